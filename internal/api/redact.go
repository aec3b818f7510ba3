package api

import "github.com/vpcvpn/vpcvpn/internal/signature"

// redactedToken stands for a SecurityToken in the string to sign that a
// SignatureDoesNotMatch message echoes.
const redactedToken = "REDACTED"

// redactToken returns list with the value of a SecurityToken parameter
// replaced by redactedToken (list itself is not modified): error messages
// never carry a credential. The client still sees which parameters were
// signed, in which order and encoding.
func redactToken(list []signature.Param) []signature.Param {
	out, copied := list, false
	for i, p := range list {
		if p.Name == "SecurityToken" && p.Value != "" {
			if !copied {
				out, copied = append([]signature.Param(nil), list...), true
			}
			out[i].Value = redactedToken
		}
	}
	return out
}
