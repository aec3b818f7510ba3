package signature

import (
	"errors"
	"net/url"
	"slices"
	"testing"
)

func TestAppendQuery(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    []Param
		wantErr bool
	}{
		{"empty", "", nil, false},
		{"plain", "Action=A&RegionId=cn-hangzhou", []Param{{"Action", "A"}, {"RegionId", "cn-hangzhou"}}, false},
		{"escapes", "VpnConnectionId=vco-1%2A%2A&Timestamp=2026-11-26T04%3A35%3A11Z&a+b=c+d", []Param{{"VpnConnectionId", "vco-1**"}, {"Timestamp", "2026-11-26T04:35:11Z"}, {"a b", "c d"}}, false},
		{"empty value and no equals", "SignatureType=&Flag", []Param{{"SignatureType", ""}, {"Flag", ""}}, false},
		{"empty pairs skipped", "&&a=1&&", []Param{{"a", "1"}}, false},
		{"duplicates kept in order", "a=2&a=1", []Param{{"a", "2"}, {"a", "1"}}, false},
		{"value with equals", "a=b=c", []Param{{"a", "b=c"}}, false},
		{"semicolon", "a=1;b=2", nil, true},
		{"bad escape", "a=%zz", nil, true},
		{"truncated escape", "a=%4", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AppendQuery(nil, tc.raw)
			if tc.wantErr {
				if !errors.Is(err, ErrQuery) {
					t.Fatalf("error %v, want ErrQuery", err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("AppendQuery(%q) = %v, %v; want %v", tc.raw, got, err, tc.want)
			}
		})
	}
}

func TestAppendQueryAllocs(t *testing.T) {
	raw := "Action=DownloadVpnConnectionConfig&Version=2016-04-28&RegionId=cn-hangzhou&VpnConnectionId=vco-bp1bbi27hojx80nck0001&Format=JSON&SignatureType="
	dst := make([]Param, 0, 32)
	if n := testing.AllocsPerRun(100, func() { dst, _ = AppendQuery(dst[:0], raw) }); n != 0 {
		t.Errorf("AppendQuery allocates %v times for an escape-free query, want 0", n)
	}
}

// FuzzAppendQuery: AppendQuery agrees with url.ParseQuery (which groups by
// name) on every input both accept, and errs exactly when it does.
func FuzzAppendQuery(f *testing.F) {
	f.Add("Action=A&RegionId=cn-hangzhou")
	f.Add("a+b=%2A&&c&d=e=f")
	f.Add("a=1;b=2")
	f.Add("a=%zz")
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := AppendQuery(nil, raw)
		want, werr := url.ParseQuery(raw)
		if (err != nil) != (werr != nil) {
			t.Fatalf("AppendQuery error %v, url.ParseQuery error %v", err, werr)
		}
		if err != nil {
			return
		}
		grouped := url.Values{}
		for _, p := range got {
			grouped[p.Name] = append(grouped[p.Name], p.Value)
		}
		if len(grouped) != len(want) {
			t.Fatalf("AppendQuery %v, url.ParseQuery %v", grouped, want)
		}
		for k, vs := range want {
			if !slices.Equal(grouped[k], vs) {
				t.Fatalf("name %q: AppendQuery %q, url.ParseQuery %q", k, grouped[k], vs)
			}
		}
	})
}
