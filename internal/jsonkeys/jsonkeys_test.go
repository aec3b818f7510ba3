package jsonkeys

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestUnique(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		path string // "" with key "": no duplicate
		key  string
		bad  bool // not JSON
	}{
		{`{"a":1,"b":2}`, "", "", false},
		{`{"Psk":"a","Psk":"b"}`, "", "Psk", false},
		{`{"a":{"x":1,"y":{"z":[1,{"q":1,"q":2}]}}}`, "a.y.z[1]", "q", false},
		{`[{"Role":"master"},{"Role":"slave","TunnelIkeConfig":{"Psk":"a","Psk":"a"}}]`, "[1].TunnelIkeConfig", "Psk", false},
		{`{"Statement":[{"Effect":"Allow","Condition":{"Bool":{"acs:SecureTransport":"true"},"Bool":{}}}]}`, "Statement[0].Condition", "Bool", false},
		{`{"a":1,"A":2}`, "", "", false}, // exact comparison: not a duplicate here
		{`{"a":[],"b":{},"c":[[],[{}]],"d":null}`, "", "", false},
		{`"scalar"`, "", "", false},
		{`{"a":1} {"a":2}`, "", "", false}, // what follows is not read
		{`{"a":1,`, "", "", true},
		{`{"a" 1}`, "", "", true},
		{``, "", "", true},
	} {
		err := Unique([]byte(tc.doc))
		var de *DuplicateError
		switch {
		case tc.bad:
			if err == nil || errors.As(err, &de) {
				t.Errorf("%s: %v, want a syntax error", tc.doc, err)
			}
		case tc.key == "":
			if err != nil {
				t.Errorf("%s: %v", tc.doc, err)
			}
		default:
			if !errors.As(err, &de) || de.Path != tc.path || de.Key != tc.key {
				t.Errorf("%s: %v, want %s in %q", tc.doc, err, tc.key, tc.path)
			}
		}
	}
}

func TestUniqueFold(t *testing.T) {
	var de *DuplicateError
	if err := UniqueFold([]byte(`{"Statement":[{"Effect":"Allow","effect":"Deny"}]}`)); !errors.As(err, &de) || de.Key != "effect" || de.Path != "Statement[0]" {
		t.Fatalf("UniqueFold: %v", err)
	}
	if err := Unique([]byte(`{"Statement":[{"Effect":"Allow","effect":"Deny"}]}`)); err != nil {
		t.Fatalf("Unique compares exactly: %v", err)
	}
}

// FuzzUnique: Unique accepts what encoding/json parses unless a key repeats,
// and finds every repeat a map-free reference finds.
func FuzzUnique(f *testing.F) {
	for _, s := range []string{`{"a":1,"a":2}`, `[{"a":{"b":1,"b":2}}]`, `{"a":[{"b":1},{"b":1}]}`, `{}`, `1`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := Unique([]byte(s))
		var v any
		valid := json.Unmarshal([]byte(s), &v) == nil
		var de *DuplicateError
		if errors.As(err, &de) {
			return // a repeat: encoding/json would have kept the last
		}
		if valid && err != nil {
			t.Fatalf("%q parses but Unique says %v", s, err)
		}
	})
}
