package authz

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		name     string
		pattern  string
		s        string
		want     bool // Match
		wantFold bool // MatchFold
	}{
		{"empty both", "", "", true, true},
		{"empty pattern", "", "a", false, false},
		{"star matches empty", "*", "", true, true},
		{"star matches all", "*", "acs:vpc:cn-hangzhou:1:vpnconnection/vco-1", true, true},
		{"stars only", "***", "abc", true, true},
		{"literal", "vpc:DescribeVpcs", "vpc:DescribeVpcs", true, true},
		{"literal case differs", "vpc:describevpcs", "vpc:DescribeVpcs", false, true},
		{"literal longer pattern", "abcd", "abc", false, false},
		{"literal longer string", "abc", "abcd", false, false},
		{"prefix star", "vpc:Describe*", "vpc:DescribeVpnGateways", true, true},
		{"prefix star empty rest", "vpc:Describe*", "vpc:Describe", true, true},
		{"prefix star wrong product", "vpc:Describe*", "ecs:DescribeInstances", false, false},
		{"prefix star case", "VPC:DESCRIBE*", "vpc:DescribeVpcs", false, true},
		{"suffix star", "*Config", "vpc:DownloadVpnConnectionConfig", true, true},
		{"infix stars", "vpc:*Vpn*", "vpc:CreateVpnConnection", true, true},
		{"infix stars no vpn", "vpc:*Vpn*", "vpc:DescribeVpcs", false, false},
		{"infix stars fold", "vpc:*vpn*", "vpc:CreateVpnConnection", false, true},
		{"question one", "vco-?", "vco-1", true, true},
		{"question needs one", "vco-?", "vco-", false, false},
		{"question only one", "vco-?", "vco-12", false, false},
		{"question multibyte", "a?c", "a\u00e9c", true, true},
		{"question not two bytes", "a??c", "a\u00e9c", false, false},
		{"star backtrack", "a*b*c", "aXbYbZc", true, true},
		{"star backtrack fail", "a*b*c", "aXbYbZ", false, false},
		{"star then question", "*?", "", false, false},
		{"star then question one", "*?", "x", true, true},
		{"overlapping", "*aab", "aaaab", true, true},
		{"overlapping fail", "*aab", "aaaaba", false, false},
		{"resource arn", "acs:vpc:*:*:vpnconnection/*", "acs:vpc:cn-hangzhou:1234567890123456:vpnconnection/vco-1", true, true},
		{"resource arn other type", "acs:vpc:*:*:vpnconnection/*", "acs:vpc:cn-hangzhou:1234567890123456:vpngateway/vpn-1", false, false},
		{"resource case sensitive", "acs:vpc:*:*:VpnConnection/*", "acs:vpc:cn-hangzhou:1:vpnconnection/vco-1", false, true},
		{"unicode fold", "\u00c9T\u00c9", "\u00e9t\u00e9", false, true},
		{"kelvin sign folds to k", "k", "\u212a", false, true},
		{"sigma forms fold", "\u03c3", "\u03c2", false, true},
		{"invalid byte equals itself", "a\xffb", "a\xffb", true, true},
		{"invalid byte differs", "a\xffb", "a\xfeb", false, false},
		{"invalid byte not replacement rune", "a\xffb", "a\uFFFDb", false, false},
		{"question matches invalid byte", "a?b", "a\xffb", true, true},
		{"star over invalid bytes", "a*b", "a\xff\xfe\xfdb", true, true},
		{"adversarial small true", "*a*a*a*b", "aaaaab", true, true},
		{"adversarial small false", "*a*a*a*b", "aaaaaa", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Match(tt.pattern, tt.s); got != tt.want {
				t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
			}
			if got := MatchFold(tt.pattern, tt.s); got != tt.wantFold {
				t.Errorf("MatchFold(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.wantFold)
			}
			if got := refMatch(tt.pattern, tt.s, false); got != tt.want {
				t.Errorf("refMatch(%q, %q) = %v, want %v (table or reference is wrong)", tt.pattern, tt.s, got, tt.want)
			}
			if got := refMatch(tt.pattern, tt.s, true); got != tt.wantFold {
				t.Errorf("refMatch fold(%q, %q) = %v, want %v (table or reference is wrong)", tt.pattern, tt.s, got, tt.wantFold)
			}
			p := compilePattern(tt.pattern)
			if got := p.match(tt.s, false); got != tt.want {
				t.Errorf("compiled %+v .match(%q) = %v, want %v", p, tt.s, got, tt.want)
			}
			if got := p.match(tt.s, true); got != tt.wantFold {
				t.Errorf("compiled %+v .match(%q, fold) = %v, want %v", p, tt.s, got, tt.wantFold)
			}
		})
	}
}

func TestCompilePattern(t *testing.T) {
	tests := []struct {
		text         string
		any, literal bool
	}{
		{"*", true, false},
		{"**", true, false},
		{"", false, true},
		{"abc", false, true},
		{"a*", false, false},
		{"?", false, false},
		{"*?", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			p := compilePattern(tt.text)
			if p.any != tt.any || p.literal != tt.literal || p.text != tt.text {
				t.Errorf("compilePattern(%q) = %+v, want any=%v literal=%v", tt.text, p, tt.any, tt.literal)
			}
		})
	}
}

// unit is one character as the matcher sees it.
type unit struct {
	r     rune
	bytes string
	bad   bool // an invalid byte
}

func units(s string) []unit {
	var out []unit
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		out = append(out, unit{r, s[i : i+w], r == utf8.RuneError && w == 1})
		i += w
	}
	return out
}

// refMatch is the reference matcher: textbook dynamic programming over
// characters, written independently of match. dp[i][j] says whether the first
// i pattern characters match the first j string characters.
func refMatch(pattern, s string, fold bool) bool {
	p, t := units(pattern), units(s)
	dp := make([][]bool, len(p)+1)
	for i := range dp {
		dp[i] = make([]bool, len(t)+1)
	}
	dp[0][0] = true
	for i := 1; i <= len(p); i++ {
		pc := p[i-1]
		for j := 0; j <= len(t); j++ {
			switch {
			case !pc.bad && pc.r == '*':
				dp[i][j] = dp[i-1][j] || (j > 0 && dp[i][j-1])
			case j == 0:
				dp[i][j] = false
			case !pc.bad && pc.r == '?':
				dp[i][j] = dp[i-1][j-1]
			default:
				sc := t[j-1]
				var eq bool
				switch {
				case pc.bad || sc.bad:
					eq = pc.bytes == sc.bytes
				case fold:
					eq = strings.EqualFold(pc.bytes, sc.bytes)
				default:
					eq = pc.r == sc.r
				}
				dp[i][j] = eq && dp[i-1][j-1]
			}
		}
	}
	return dp[len(p)][len(t)]
}

func FuzzMatch(f *testing.F) {
	for _, seed := range [][2]string{
		{"*", ""},
		{"a*b?c", "aXXbYc"},
		{"*a*a*a*b", "aaaaaaaa"},
		{"vpc:*Vpn*", "vpc:CreateVpnConnection"},
		{"K?", "\u212ax"},
		{"\xff*", "\xff\xfe"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if len(pattern) > 64 || len(s) > 64 {
			return // the reference is quadratic in memory; short inputs suffice
		}
		if got, want := Match(pattern, s), refMatch(pattern, s, false); got != want {
			t.Errorf("Match(%q, %q) = %v, reference says %v", pattern, s, got, want)
		}
		if got, want := MatchFold(pattern, s), refMatch(pattern, s, true); got != want {
			t.Errorf("MatchFold(%q, %q) = %v, reference says %v", pattern, s, got, want)
		}
		p := compilePattern(pattern)
		if got, want := p.match(s, true), refMatch(pattern, s, true); got != want {
			t.Errorf("compiled fold match(%q, %q) = %v, reference says %v", pattern, s, got, want)
		}
		if got, want := p.match(s, false), refMatch(pattern, s, false); got != want {
			t.Errorf("compiled match(%q, %q) = %v, reference says %v", pattern, s, got, want)
		}
	})
}

// BenchmarkMatchAdversarial shows the matcher stays linear in the string for
// patterns that make a naive recursive matcher exponential: ns/op should grow
// about 4x per 4x of n, not explode.
func BenchmarkMatchAdversarial(b *testing.B) {
	patterns := []struct{ name, p string }{
		{"stars", "*a*a*a*a*a*a*a*a*a*a*b"},
		{"long-tail", "*aaaaaaaaaaaaaaaaaaab"},
	}
	for _, pt := range patterns {
		for _, n := range []int{64, 256, 1024, 4096, 16384} {
			s := strings.Repeat("a", n)
			b.Run(pt.name+"/n="+strconv.Itoa(n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if Match(pt.p, s) {
						b.Fatal("matched")
					}
				}
			})
		}
	}
}
