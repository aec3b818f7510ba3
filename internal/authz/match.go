package authz

import (
	"unicode"
	"unicode/utf8"
)

// Match reports whether s matches the wildcard pattern: '*' matches any run of
// characters (including none), '?' matches exactly one character, and every
// other character matches itself exactly. A character is a UTF-8 encoded rune;
// a byte that is not valid UTF-8 is a character of its own that matches only
// the same byte (or '?', or part of a '*' run). There is no escape syntax.
//
// Match is iterative: it keeps a single backtrack point (the last '*' seen) and
// runs in O(len(pattern)*len(s)) time in the worst case and O(1) space, so a
// hostile pattern such as "*a*a*a*a*a*a*a*a*b" cannot make it exponential.
// Resources are matched with Match (case-sensitive).
func Match(pattern, s string) bool { return match(pattern, s, false) }

// MatchFold is Match with characters compared under Unicode simple case
// folding, the equivalence strings.EqualFold uses. Actions are matched with
// MatchFold (case-insensitive).
func MatchFold(pattern, s string) bool { return match(pattern, s, true) }

func match(p, s string, fold bool) bool {
	pi, si := 0, 0
	star := -1 // index in p just after the last '*' seen; -1 when none yet
	mark := 0  // index in s where the run matched by that '*' currently ends
	for si < len(s) {
		if pi < len(p) {
			// '*' and '?' are ASCII, and no byte of a multi-byte UTF-8
			// sequence is ASCII, so testing single bytes is exact.
			switch p[pi] {
			case '*':
				pi++
				star, mark = pi, si
				continue
			case '?':
				pi++
				si += charWidth(s, si)
				continue
			default:
				pw, sw, ok := charEqual(p, pi, s, si, fold)
				if ok {
					pi += pw
					si += sw
					continue
				}
			}
		}
		if star < 0 {
			return false
		}
		// Mismatch: let the last '*' swallow one more character and retry
		// the rest of the pattern from there. Earlier stars never need to
		// be revisited: anything they could absorb the last one can too.
		mark += charWidth(s, mark)
		pi, si = star, mark
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// charWidth is the width in bytes of the character starting at s[i].
func charWidth(s string, i int) int {
	if s[i] < utf8.RuneSelf {
		return 1
	}
	_, w := utf8.DecodeRuneInString(s[i:])
	return w
}

// charEqual compares the characters starting at p[pi] and s[si] and returns
// their widths.
func charEqual(p string, pi int, s string, si int, fold bool) (pw, sw int, ok bool) {
	pb, sb := p[pi], s[si]
	if pb < utf8.RuneSelf && sb < utf8.RuneSelf {
		if pb == sb {
			return 1, 1, true
		}
		return 1, 1, fold && lowerASCII(pb) == lowerASCII(sb)
	}
	pr, pw := utf8.DecodeRuneInString(p[pi:])
	sr, sw := utf8.DecodeRuneInString(s[si:])
	if (pr == utf8.RuneError && pw == 1) || (sr == utf8.RuneError && sw == 1) {
		// An invalid byte equals only itself.
		return pw, sw, pw == sw && p[pi:pi+pw] == s[si:si+sw]
	}
	if pr == sr {
		return pw, sw, true
	}
	return pw, sw, fold && equalFoldRune(pr, sr)
}

func lowerASCII(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + ('a' - 'A')
	}
	return b
}

// equalFoldRune reports whether a and b are equal under simple case folding,
// by the same orbit walk strings.EqualFold does.
func equalFoldRune(a, b rune) bool {
	if a == b {
		return true
	}
	if b < a {
		a, b = b, a
	}
	r := unicode.SimpleFold(a)
	for r != a && r < b {
		r = unicode.SimpleFold(r)
	}
	return r == b
}

// pattern is a precompiled wildcard pattern.
type pattern struct {
	text    string // as matched: lowercased for actions
	any     bool   // text is made only of '*': matches everything
	literal bool   // text has no wildcard: plain comparison
}

func compilePattern(text string) pattern {
	p := pattern{text: text, any: text != "", literal: true}
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '*':
			p.literal = false
		case '?':
			p.literal = false
			p.any = false
		default:
			p.any = false
		}
	}
	return p
}

func (p *pattern) match(s string, fold bool) bool {
	switch {
	case p.any:
		return true
	case p.literal && fold:
		return equalFold(p.text, s)
	case p.literal:
		return p.text == s
	}
	return match(p.text, s, fold)
}

// equalFold is strings.EqualFold restated over charEqual so that a literal
// pattern compares exactly as the general matcher would (in particular for
// bytes that are not valid UTF-8).
func equalFold(a, b string) bool {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		aw, bw, ok := charEqual(a, i, b, j, true)
		if !ok {
			return false
		}
		i += aw
		j += bw
	}
	return i == len(a) && j == len(b)
}
