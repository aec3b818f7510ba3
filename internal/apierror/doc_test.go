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
	b.WriteString("receive, with its HTTP status and default message. `Missing{Name}` (400, \"{Name} is mandatory for this action.\")\n")
	b.WriteString("is answered for any required parameter that is absent. Messages in answers name the exact field and value.\n\n")
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
