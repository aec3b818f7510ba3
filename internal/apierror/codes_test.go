package apierror

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// modulePath is this module's import path (go.mod).
const modulePath = "github.com/vpcvpn/vpcvpn"

// checkedElsewhere lists the functions whose code argument the scan cannot
// follow (it comes out of a table that is not a literal map), each with the
// test that checks every code it can pass.
var checkedElsewhere = map[string]string{
	"internal/service.answer": "service.TestStoreErrorTable (every code of the store-error table is in Table)",
}

// paramName is the shape of a parameter name that Missing{Name} echoes:
// Alibaba's names, dotted for nested and numbered ones (Tag.1.Key).
var paramName = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*$`)

// TestCodesInTable reads every non-test Go file of the module and follows
// the code argument of every call of New, Newf and Invalid, and the name
// argument of Missing, back to string literals: through local variables,
// constants, package-level maps, and through the parameters of functions
// that pass their argument on (vpn's required(name) is checked at its
// callers). Every code found must be a row of Table, every Missing name
// must look like a parameter name, and a code the scan cannot follow fails
// unless its function is in checkedElsewhere. So a mistyped code fails
// here, in `go test ./internal/apierror`, instead of answering a client
// InternalError (New's safe degradation) at run time.
func TestCodesInTable(t *testing.T) {
	sc := newScan(t, "../..")
	sc.run()
	// A floor well below today's count (299), so that removing calls
	// does not fail it but a scan that stopped seeing the module's calls
	// (a moved module root, a changed import path) does.
	if sc.literals < 200 {
		t.Fatalf("the scan found only %d literal codes and names: it no longer sees the module's calls", sc.literals)
	}
	t.Logf("%d call sites, %d literal codes and names checked, %d forwarding functions", sc.calls, sc.literals, len(sc.sinks)-4)
}

// sinkKey names a function: its package directory (relative to the module)
// and its name (methods by name alone).
type sinkKey struct{ pkg, fn string }

type sink struct {
	arg     int  // which argument is the code or name
	missing bool // a Missing name rather than a code
}

type fileInfo struct {
	pkg     string            // package directory
	imports map[string]string // local name -> package directory (module packages only)
	file    *ast.File
	consts  map[string]string // package-level string constants of the package
	maps    map[string]*ast.CompositeLit
}

type scan struct {
	t        *testing.T
	fset     *token.FileSet
	files    []*fileInfo
	sinks    map[sinkKey]sink
	calls    int
	literals int
}

func newScan(t *testing.T, root string) *scan {
	sc := &scan{t: t, fset: token.NewFileSet(), sinks: map[sinkKey]sink{
		{"internal/apierror", "New"}:     {arg: 0},
		{"internal/apierror", "Newf"}:    {arg: 0},
		{"internal/apierror", "Invalid"}: {arg: 0},
		{"internal/apierror", "Missing"}: {arg: 0, missing: true},
	}}
	consts := map[string]map[string]string{}
	maps := map[string]map[string]*ast.CompositeLit{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "vendor" || n == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(sc.fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		fi := &fileInfo{pkg: filepath.ToSlash(rel), file: f, imports: map[string]string{}}
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			dir, ok := strings.CutPrefix(p, modulePath+"/")
			if !ok {
				continue
			}
			name := dir[strings.LastIndex(dir, "/")+1:]
			if im.Name != nil {
				name = im.Name.Name
			}
			fi.imports[name] = dir
		}
		if consts[fi.pkg] == nil {
			consts[fi.pkg], maps[fi.pkg] = map[string]string{}, map[string]*ast.CompositeLit{}
		}
		fi.consts, fi.maps = consts[fi.pkg], maps[fi.pkg]
		for _, decl := range f.Decls {
			g, ok := decl.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, spec := range g.Specs {
				vs, ok := spec.(*ast.ValueSpec)
				if !ok {
					continue
				}
				for i, n := range vs.Names {
					if i >= len(vs.Values) {
						continue
					}
					switch v := vs.Values[i].(type) {
					case *ast.BasicLit:
						if s, err := strconv.Unquote(v.Value); err == nil && g.Tok == token.CONST {
							fi.consts[n.Name] = s
						}
					case *ast.CompositeLit:
						fi.maps[n.Name] = v
					}
				}
			}
		}
		sc.files = append(sc.files, fi)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// run checks every call of a sink until no new forwarding function turns up.
func (sc *scan) run() {
	for {
		n := len(sc.sinks)
		sc.calls, sc.literals = 0, 0
		var failures []string
		for _, fi := range sc.files {
			for _, decl := range fi.file.Decls {
				fd, ok := decl.(*ast.FuncDecl)
				if !ok || fd.Body == nil {
					continue
				}
				ast.Inspect(fd.Body, func(nd ast.Node) bool {
					call, ok := nd.(*ast.CallExpr)
					if !ok {
						return true
					}
					key, ok := sc.callee(fi, call)
					if !ok {
						return true
					}
					s, ok := sc.sinks[key]
					if !ok || s.arg >= len(call.Args) {
						return true
					}
					sc.calls++
					failures = append(failures, sc.check(fi, fd, call.Args[s.arg], s)...)
					return true
				})
			}
		}
		if len(sc.sinks) == n {
			sort.Strings(failures)
			for _, f := range failures {
				sc.t.Error(f)
			}
			return
		}
	}
}

// callee names the function a call calls, when it may be a sink.
func (sc *scan) callee(fi *fileInfo, call *ast.CallExpr) (sinkKey, bool) {
	switch fn := call.Fun.(type) {
	case *ast.Ident:
		return sinkKey{fi.pkg, fn.Name}, true
	case *ast.SelectorExpr:
		if x, ok := fn.X.(*ast.Ident); ok {
			if dir, ok := fi.imports[x.Name]; ok {
				return sinkKey{dir, fn.Sel.Name}, true
			}
		}
		// A method: taken as one of the same package.
		return sinkKey{fi.pkg, fn.Sel.Name}, true
	}
	return sinkKey{}, false
}

// check follows arg (in function fd) back to its literal values.
func (sc *scan) check(fi *fileInfo, fd *ast.FuncDecl, arg ast.Expr, s sink) []string {
	where := sc.fset.Position(arg.Pos()).String()
	if pattern, ok := sc.pattern(fi, arg); ok {
		// A code built from parts: it must have a family's shape.
		sc.literals++
		sample := strings.ReplaceAll(pattern, "*", "Name")
		if s.missing {
			if !paramName.MatchString(sample) {
				return []string{where + ": Missing(" + pattern + ") is not a parameter name"}
			}
			return nil
		}
		if _, ok := lookup(sample); !ok {
			return []string{where + ": code " + strconv.Quote(pattern) + " has the shape of no Family"}
		}
		return nil
	}
	vals, ok := sc.values(fi, fd, arg, s)
	if !ok {
		if s.missing {
			return nil // a name built at run time (TunnelOptionsSpecification.1.CustomerGatewayId): echoed as sent
		}
		if _, ok := checkedElsewhere[fi.pkg+"."+fd.Name.Name]; ok {
			return nil
		}
		return []string{where + ": the scan cannot follow this code to a literal; use a literal, or add the function to checkedElsewhere with the test that checks it"}
	}
	var out []string
	for _, v := range vals {
		sc.literals++
		if s.missing {
			if !paramName.MatchString(v) {
				out = append(out, where+": Missing("+strconv.Quote(v)+") is not a parameter name")
			}
			continue
		}
		if _, ok := Table[v]; !ok {
			out = append(out, where+": code "+strconv.Quote(v)+" is not in Table")
		}
	}
	return out
}

// pattern returns the shape of a code concatenated from string literals and
// other parts ("Invalid" + section + ".TunnelCidr" -> "Invalid*.TunnelCidr");
// false for anything but a concatenation.
func (sc *scan) pattern(fi *fileInfo, e ast.Expr) (string, bool) {
	b, ok := e.(*ast.BinaryExpr)
	if !ok || b.Op != token.ADD {
		return "", false
	}
	var part func(e ast.Expr) string
	part = func(e ast.Expr) string {
		switch e := e.(type) {
		case *ast.BinaryExpr:
			if e.Op == token.ADD {
				return part(e.X) + part(e.Y)
			}
		case *ast.BasicLit:
			if v, err := strconv.Unquote(e.Value); err == nil {
				return v
			}
		case *ast.Ident:
			if v, ok := fi.consts[e.Name]; ok {
				return v
			}
		}
		return "*"
	}
	p := part(b)
	for strings.Contains(p, "**") {
		p = strings.ReplaceAll(p, "**", "*")
	}
	return p, true
}

// values returns the literal strings e can hold, false when one is not
// known. A parameter of fd makes fd a sink itself (checked at its callers).
func (sc *scan) values(fi *fileInfo, fd *ast.FuncDecl, e ast.Expr, s sink) ([]string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		v, err := strconv.Unquote(e.Value)
		return []string{v}, err == nil
	case *ast.ParenExpr:
		return sc.values(fi, fd, e.X, s)
	case *ast.IndexExpr:
		// A package-level map literal: every value it holds.
		id, ok := e.X.(*ast.Ident)
		if !ok || fi.maps[id.Name] == nil {
			return nil, false
		}
		var out []string
		for _, el := range fi.maps[id.Name].Elts {
			kv, ok := el.(*ast.KeyValueExpr)
			if !ok {
				return nil, false
			}
			vs, ok := sc.values(fi, fd, kv.Value, s)
			if !ok {
				return nil, false
			}
			out = append(out, vs...)
		}
		return out, true
	case *ast.Ident:
		if i, ok := paramIndex(fd, e.Name); ok {
			k := sinkKey{fi.pkg, fd.Name.Name}
			if _, known := sc.sinks[k]; !known {
				sc.sinks[k] = sink{arg: i, missing: s.missing}
			}
			return nil, true // checked at the callers
		}
		if vs, ok := sc.assigned(fi, fd, e.Name, s); ok {
			return vs, true
		}
		if v, ok := fi.consts[e.Name]; ok {
			return []string{v}, true
		}
	}
	return nil, false
}

// assigned returns the values of every assignment to the local name in fd
// (:=, =, var, range over a literal slice); false when there is none or
// one is not a literal.
func (sc *scan) assigned(fi *fileInfo, fd *ast.FuncDecl, name string, s sink) ([]string, bool) {
	var out []string
	found, ok := false, true
	add := func(e ast.Expr) {
		found = true
		vs, k := sc.values(fi, fd, e, s)
		ok = ok && k
		out = append(out, vs...)
	}
	ast.Inspect(fd.Body, func(nd ast.Node) bool {
		switch nd := nd.(type) {
		case *ast.AssignStmt:
			for i, l := range nd.Lhs {
				if id, isID := l.(*ast.Ident); isID && id.Name == name {
					if len(nd.Rhs) == len(nd.Lhs) {
						add(nd.Rhs[i])
					} else {
						found, ok = true, false
					}
				}
			}
		case *ast.ValueSpec:
			for i, id := range nd.Names {
				if id.Name == name && i < len(nd.Values) {
					add(nd.Values[i])
				}
			}
		case *ast.RangeStmt:
			if id, isID := nd.Value.(*ast.Ident); isID && id.Name == name {
				lit, isLit := nd.X.(*ast.CompositeLit)
				if !isLit {
					found, ok = true, false
					return true
				}
				for _, el := range lit.Elts {
					add(el)
				}
			}
		}
		return true
	})
	return out, found && ok
}

// paramIndex returns the position of the parameter name in fd's signature.
func paramIndex(fd *ast.FuncDecl, name string) (int, bool) {
	i := 0
	for _, f := range fd.Type.Params.List {
		if len(f.Names) == 0 {
			i++
			continue
		}
		for _, n := range f.Names {
			if n.Name == name {
				return i, true
			}
			i++
		}
	}
	return 0, false
}
