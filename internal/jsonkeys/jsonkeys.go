// Package jsonkeys finds duplicated object keys in JSON documents.
// encoding/json silently keeps the last of two equal keys, so a client
// parameter such as IkeConfig {"Psk":"a","Psk":"b"} or a policy document with
// two "Effect" fields would mean something other than what a reader of the
// document sees: vpcvpn refuses them.
package jsonkeys

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// DuplicateError names a key given twice in one object.
type DuplicateError struct {
	// Path locates the object: "" for the top level, else like
	// "Statement[0].Condition" (keys and list indexes).
	Path string
	Key  string
}

func (e *DuplicateError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("key %q is given more than once", e.Key)
	}
	return fmt.Sprintf("key %q is given more than once in %s", e.Key, e.Path)
}

// frame is an object or list being read.
type frame struct {
	obj      bool
	keys     map[string]bool
	path     string
	n        int    // list: index of the next element
	wantKey  bool   // object: the next token is a key (or the end)
	valueKey string // object: the key of the value being read
}

// child is the path of the frame's next value.
func (f *frame) child() string {
	if f.obj {
		if f.path == "" {
			return f.valueKey
		}
		return f.path + "." + f.valueKey
	}
	return f.path + "[" + strconv.Itoa(f.n) + "]"
}

// done records that the frame's value was read.
func (f *frame) done() {
	if f.obj {
		f.wantKey = true
	} else {
		f.n++
	}
}

// Unique checks that no object of the JSON value at the start of data holds
// a key twice (keys compared exactly; what follows the value is not read).
// It returns a *DuplicateError for the first duplicate, the decoder's error
// when data does not start with a JSON value, and nil otherwise.
func Unique(data []byte) error { return unique(data, false) }

// UniqueFold is Unique with keys compared ignoring case, for documents that
// encoding/json decodes into structs (whose field names it matches ignoring
// case: "Effect" and "effect" fill one field).
func UniqueFold(data []byte) error { return unique(data, true) }

func unique(data []byte, fold bool) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return io.ErrUnexpectedEOF
		}
		if err != nil {
			return err
		}
		var top *frame
		if n := len(stack); n > 0 {
			top = stack[n-1]
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return nil
			}
			stack[len(stack)-1].done()
			continue
		}
		if top != nil && top.obj && top.wantKey {
			k, ok := tok.(string)
			if !ok {
				return errors.New("object key is not a string")
			}
			seen := k
			if fold {
				seen = strings.ToLower(k)
			}
			if top.keys[seen] {
				return &DuplicateError{Path: top.path, Key: k}
			}
			top.keys[seen] = true
			top.wantKey, top.valueKey = false, k
			continue
		}
		path := ""
		if top != nil {
			path = top.child()
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, &frame{obj: d == '{', keys: map[string]bool{}, path: path, wantKey: d == '{'})
			continue
		}
		if top == nil {
			return nil // a scalar
		}
		top.done()
	}
}

// Name is the name of a duplicated key for a message about parameter param,
// e.g. "IkeConfig.Psk" or "TunnelOptionsSpecification[0].TunnelIkeConfig.Psk".
func Name(param string, e *DuplicateError) string {
	switch {
	case e.Path == "":
		return param + "." + e.Key
	case strings.HasPrefix(e.Path, "["):
		return param + e.Path + "." + e.Key
	}
	return param + "." + e.Path + "." + e.Key
}
