package agent

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// Section is a parsed swanctl.conf section: its key/value settings and
// subsections, in file order.
type Section struct {
	Name  string
	Items []Item
}

// Item is one setting or subsection of a Section. A setting whose key is one
// of swanctl's list keys (listKeys) carries List; any other carries Value.
type Item struct {
	Key    string
	Value  string
	List   []string
	IsList bool
	Sub    *Section
}

// listKeys are the connection settings swanctl sends to charon as lists,
// split at commas (swanctl's load_conns.c is_list_key).
var listKeys = map[string]bool{
	"local_addrs": true, "remote_addrs": true, "proposals": true, "esp_proposals": true, "ah_proposals": true,
	"local_ts": true, "remote_ts": true, "vips": true, "pools": true, "groups": true, "cert_policy": true,
}

// Get returns the value of setting key and whether it exists.
func (s *Section) Get(key string) (string, bool) {
	for _, it := range s.Items {
		if it.Sub == nil && it.Key == key {
			if it.IsList {
				return strings.Join(it.List, ","), true
			}
			return it.Value, true
		}
	}
	return "", false
}

// Set replaces the value of setting key, or appends it.
func (s *Section) Set(key, value string) {
	for i, it := range s.Items {
		if it.Sub == nil && it.Key == key {
			s.Items[i].Value, s.Items[i].IsList, s.Items[i].List = value, false, nil
			return
		}
	}
	s.Items = append(s.Items, Item{Key: key, Value: value})
}

// Delete removes setting key.
func (s *Section) Delete(key string) {
	out := s.Items[:0]
	for _, it := range s.Items {
		if it.Sub == nil && it.Key == key {
			continue
		}
		out = append(out, it)
	}
	s.Items = out
}

// Child returns the subsection named name, or nil.
func (s *Section) Child(name string) *Section {
	for _, it := range s.Items {
		if it.Sub != nil && it.Key == name {
			return it.Sub
		}
	}
	return nil
}

// Children returns the subsections in order.
func (s *Section) Children() []*Section {
	var out []*Section
	for _, it := range s.Items {
		if it.Sub != nil {
			out = append(out, it.Sub)
		}
	}
	return out
}

// ParseSwanctl parses swanctl.conf text as swanctl does for its connections
// and secrets sections: "name {" opens a section, "}" closes it, "key =
// value" sets a value (a value in double quotes may hold anything but an
// unescaped quote; \" \\ \n \t are escapes), "#" starts a comment outside
// quotes. include statements are not supported (render writes none).
func ParseSwanctl(text string) (*Section, error) {
	root := &Section{}
	stack := []*Section{root}
	for n, raw := range strings.Split(text, "\n") {
		line, err := stripComment(raw)
		if err != nil {
			return nil, fmt.Errorf("swanctl.conf line %d: %v", n+1, err)
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		cur := stack[len(stack)-1]
		switch {
		case line == "}":
			if len(stack) == 1 {
				return nil, fmt.Errorf("swanctl.conf line %d: unbalanced }", n+1)
			}
			stack = stack[:len(stack)-1]
		case strings.HasSuffix(line, "{") && !strings.Contains(line, "="):
			name := strings.TrimSpace(strings.TrimSuffix(line, "{"))
			if name == "" || strings.ContainsAny(name, " \t") {
				return nil, fmt.Errorf("swanctl.conf line %d: bad section name %q", n+1, name)
			}
			sub := &Section{Name: name}
			cur.Items = append(cur.Items, Item{Key: name, Sub: sub})
			stack = append(stack, sub)
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				return nil, fmt.Errorf("swanctl.conf line %d: expected key = value", n+1)
			}
			key := strings.TrimSpace(k)
			val, err := unquote(strings.TrimSpace(v))
			if err != nil {
				return nil, fmt.Errorf("swanctl.conf line %d: %v", n+1, err)
			}
			it := Item{Key: key, Value: val}
			if listKeys[key] {
				it.IsList, it.Value = true, ""
				for _, part := range strings.Split(val, ",") {
					if p := strings.TrimSpace(part); p != "" {
						it.List = append(it.List, p)
					}
				}
			}
			cur.Items = append(cur.Items, it)
		}
	}
	if len(stack) != 1 {
		return nil, fmt.Errorf("swanctl.conf: %d unclosed sections", len(stack)-1)
	}
	return root, nil
}

// stripComment removes a # comment that is not inside double quotes.
func stripComment(line string) (string, error) {
	in := false
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case c == '\\' && in:
			i++
		case c == '"':
			in = !in
		case c == '#' && !in:
			return line[:i], nil
		}
	}
	if in {
		return "", fmt.Errorf("unterminated quoted value")
	}
	return line, nil
}

// unquote returns a value without its double quotes and escapes.
func unquote(v string) (string, error) {
	if !strings.HasPrefix(v, `"`) {
		return v, nil
	}
	if len(v) < 2 || !strings.HasSuffix(v, `"`) {
		return "", fmt.Errorf("unterminated quoted value")
	}
	var b strings.Builder
	s := v[1 : len(v)-1]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			if c == '"' {
				return "", fmt.Errorf("unescaped quote inside a quoted value")
			}
			b.WriteByte(c)
			continue
		}
		i++
		if i == len(s) {
			return "", fmt.Errorf("trailing backslash in a quoted value")
		}
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}

// secretBytes decodes a secrets-section value as swanctl does: 0x... is
// hex, 0s... base64, anything else the bytes as written.
func secretBytes(v string) ([]byte, error) {
	switch {
	case len(v) >= 2 && strings.EqualFold(v[:2], "0x"):
		b, err := hex.DecodeString(v[2:])
		if err != nil {
			return nil, fmt.Errorf("secret: bad hex")
		}
		return b, nil
	case len(v) >= 2 && strings.EqualFold(v[:2], "0s"):
		b, err := base64.StdEncoding.DecodeString(v[2:])
		if err != nil {
			return nil, fmt.Errorf("secret: bad base64")
		}
		return b, nil
	}
	return []byte(v), nil
}

// Shared is one IKE pre-shared key as swanctl's load_shared sends it.
type Shared struct {
	ID     string // unique id: the agent's key name (see Unit.SharedID)
	Owners []string
	Data   []byte
}
