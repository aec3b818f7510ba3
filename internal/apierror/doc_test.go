package apierror

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var updateDoc = flag.Bool("update", false, "rewrite docs/ERRORS.md from the table")

// TestErrorsDoc keeps docs/ERRORS.md equal to the table: a code added or
// changed without regenerating the document fails here.
func TestErrorsDoc(t *testing.T) {
	var b strings.Builder
	b.WriteString("# Error codes\n\nGenerated from internal/apierror (`go test ./internal/apierror -update`): every code a client can\n")
	b.WriteString("receive, with its HTTP status and default message. Messages in answers name the exact field and value.\n\n")
	b.WriteString("Families: codes that carry a parameter's name (`*`: letters, digits and dots).\n\n")
	b.WriteString("| Family | HTTP | Message |\n|---|---|---|\n")
	fams := make([]string, 0, len(Families))
	for f := range Families {
		fams = append(fams, f)
	}
	sortStrings(fams)
	for _, f := range fams {
		e := Families[f]
		fmt.Fprintf(&b, "| %s | %d | %s |\n", f, e.Status, strings.ReplaceAll(e.Message, "|", "\\|"))
	}
	b.WriteString("\n`Missing*` is answered for any required parameter that is absent (`MissingRegionId`), `Invalid*.*` for a\n")
	b.WriteString("parameter or configuration key that is not valid (`InvalidIkeConfig.IkeEncAlg`, `InvalidTunnelOptions.1.Malformed`).\n\n")
	b.WriteString("Codes:\n\n")
	b.WriteString("| Code | HTTP | Message |\n|---|---|---|\n")
	for _, c := range Codes() {
		e := Table[c]
		fmt.Fprintf(&b, "| %s | %d | %s |\n", c, e.Status, strings.ReplaceAll(e.Message, "|", "\\|"))
	}
	path := "../../docs/ERRORS.md"
	if *updateDoc {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v: run go test ./internal/apierror -update", err)
	}
	if string(got) != b.String() {
		t.Fatal("docs/ERRORS.md is out of date: run go test ./internal/apierror -update")
	}
}
