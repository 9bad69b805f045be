package e2e

// emptyDB creates the environment's database with no keys and no scopes:
// only commands that add something create a database, so it adds a
// scope and removes it again.
func (e *env) emptyDB() {
	e.t.Helper()
	e.ok("scopes", "add", "e2e:empty")
	e.ok("scopes", "remove", "e2e:empty")
}
