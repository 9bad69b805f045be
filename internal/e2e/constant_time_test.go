package e2e

import (
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// secretish reports whether an expression names a hash or a secret.
func secretish(e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok {
			if fn, ok := call.Fun.(*ast.Ident); ok && fn.Name == "len" {
				return false // a length is no secret
			}
		}
		if id, ok := n.(*ast.Ident); ok {
			name := strings.ToLower(id.Name)
			if (strings.Contains(name, "hash") || strings.Contains(name, "secret") || name == "stored") && !strings.HasSuffix(name, "len") {
				found = true
			}
		}
		return !found
	})
	return found
}

// TestHashComparisonsAreConstantTime reads the store's and the domain's
// source: a stored hash or secret is compared with keys.HashEqual
// (crypto/subtle), never with ==, != or a byte-wise library function,
// whose running time would tell an attacker how much of a guess matched.
func TestHashComparisonsAreConstantTime(t *testing.T) {
	_, here, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(here), "..")
	fset := token.NewFileSet()
	var hashEqualCalls int
	for _, dir := range []string{"sqlite", "postgres", "keys"} {
		files, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no sources in %s: %v", dir, err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.FuncDecl:
					if n.Name.Name == "HashEqual" && !strings.Contains(source(fset, n), "subtle.ConstantTimeCompare") {
						t.Errorf("%s: HashEqual does not use crypto/subtle", fset.Position(n.Pos()))
					}
				case *ast.BinaryExpr:
					if (n.Op == token.EQL || n.Op == token.NEQ) && (secretish(n.X) || secretish(n.Y)) && !isEmptyOrNil(n.X) && !isEmptyOrNil(n.Y) {
						t.Errorf("%s: a hash or secret compared with %s: %s", fset.Position(n.Pos()), n.Op, source(fset, n))
					}
				case *ast.CallExpr:
					if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
						fn := source(fset, sel)
						switch fn {
						case "keys.HashEqual":
							hashEqualCalls++
						case "bytes.Equal", "strings.EqualFold", "strings.Compare", "bytes.Compare", "reflect.DeepEqual":
							for _, a := range n.Args {
								if secretish(a) {
									t.Errorf("%s: a hash or secret compared with %s", fset.Position(n.Pos()), fn)
								}
							}
						}
					}
				}
				return true
			})
		}
	}
	if hashEqualCalls == 0 {
		t.Errorf("the store never calls keys.HashEqual")
	}
}

// isEmptyOrNil reports whether e is "" or nil: comparing with either
// tells only whether a value is there, which is no secret.
func isEmptyOrNil(e ast.Expr) bool {
	if id, ok := e.(*ast.Ident); ok && id.Name == "nil" {
		return true
	}
	lit, ok := e.(*ast.BasicLit)
	return ok && lit.Value == `""`
}

func source(fset *token.FileSet, n ast.Node) string {
	var b strings.Builder
	printer.Fprint(&b, fset, n)
	return b.String()
}
