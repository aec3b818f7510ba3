package app

import (
	"errors"
	"strings"
	"testing"
)

func TestParseDatabase(t *testing.T) {
	cases := []struct {
		in, kind, target, describe string
	}{
		{"", "sqlite", "data/vpcvpn.db", "sqlite:data/vpcvpn.db"},
		{"sqlite:/var/lib/v.db", "sqlite", "/var/lib/v.db", "sqlite:/var/lib/v.db"},
		{"postgres://u:s3cret@db:5432/v", "postgres", "postgres://u:s3cret@db:5432/v", "postgres://u:xxxxx@db:5432/v"},
	}
	for _, c := range cases {
		d, err := ParseDatabase("data", c.in)
		if err != nil || d.Kind != c.kind || d.Target != c.target || d.Describe != c.describe {
			t.Errorf("%q: %+v %v", c.in, d, err)
		}
	}
	for _, bad := range []string{"sqlite:", "mysql://u:s3cret@db/v", "postgres://u:s3cret@db:99999999999/%zz"} {
		_, err := ParseDatabase("data", bad)
		var ue UsageError
		if !errors.As(err, &ue) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
