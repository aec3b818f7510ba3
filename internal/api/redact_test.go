package api

import (
	"slices"
	"testing"

	"github.com/vpcvpn/vpcvpn/internal/signature"
)

func TestRedactToken(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []signature.Param
		want []signature.Param
	}{
		{"no token", []signature.Param{{Name: "Action", Value: "DescribeRegions"}}, []signature.Param{{Name: "Action", Value: "DescribeRegions"}}},
		{"token", []signature.Param{{Name: "SecurityToken", Value: "CAIS-secret"}, {Name: "Action", Value: "X"}},
			[]signature.Param{{Name: "SecurityToken", Value: redactedToken}, {Name: "Action", Value: "X"}}},
		{"repeated token", []signature.Param{{Name: "SecurityToken", Value: "a"}, {Name: "SecurityToken", Value: "b"}},
			[]signature.Param{{Name: "SecurityToken", Value: redactedToken}, {Name: "SecurityToken", Value: redactedToken}}},
		{"empty token kept", []signature.Param{{Name: "SecurityToken", Value: ""}}, []signature.Param{{Name: "SecurityToken", Value: ""}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			orig := slices.Clone(tc.in)
			if got := redactToken(tc.in); !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			if !slices.Equal(tc.in, orig) {
				t.Fatal("input modified")
			}
		})
	}
}
