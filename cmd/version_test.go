package cmd

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// buildKeyward builds the keyward binary with extra go build arguments
// into a temporary directory.
func buildKeyward(t *testing.T, args ...string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds keyward; skipped with -short")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go toolchain: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "keyward")
	cmd := exec.Command(goBin, append(append([]string{"build", "-o", bin}, args...), ".")...)
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

type versionJSON struct {
	Version, Commit, Date, Go, SQLite string
}

func runVersionBinary(t *testing.T, bin string) (versionJSON, string) {
	t.Helper()
	out, err := exec.Command(bin, "version", "-o", "json").Output()
	if err != nil {
		t.Fatalf("keyward version -o json: %v", err)
	}
	var v versionJSON
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("version JSON %q: %v", out, err)
	}
	flag, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatalf("keyward --version: %v", err)
	}
	return v, string(flag)
}

// TestVersionLdflags builds keyward the way a release does and checks
// that -ldflags -X stamps what version and --version print.
func TestVersionLdflags(t *testing.T) {
	t.Parallel()
	bin := buildKeyward(t, "-ldflags",
		"-X github.com/keyward/keyward/cmd.version=v9.8.7 "+
			"-X github.com/keyward/keyward/cmd.commit=0123abcd "+
			"-X github.com/keyward/keyward/cmd.date=2026-01-02T03:04:05Z")
	v, flag := runVersionBinary(t, bin)
	want := versionJSON{Version: "v9.8.7", Commit: "0123abcd", Date: "2026-01-02T03:04:05Z", Go: runtime.Version(), SQLite: v.SQLite}
	if v != want {
		t.Errorf("version -o json = %+v, want %+v", v, want)
	}
	if !strings.HasPrefix(v.SQLite, "3.") {
		t.Errorf("sqlite version %q, want 3.x", v.SQLite)
	}
	if flag != "keyward v9.8.7 (commit 0123abcd, built 2026-01-02T03:04:05Z)\n" {
		t.Errorf("--version = %q", flag)
	}
}

// TestVersionBuildInfo builds keyward without -ldflags: version and
// commit then come from the build info the Go toolchain embeds, as for
// go install …@latest.
func TestVersionBuildInfo(t *testing.T) {
	t.Parallel()
	bin := buildKeyward(t)
	out, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	wantVersion, wantCommit, wantDate := "dev", "unknown", "unknown"
	for line := range strings.SplitSeq(string(out), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 3 && f[0] == "mod" && f[1] == "github.com/keyward/keyward" && f[2] != "(devel)":
			wantVersion = f[2]
		case len(f) == 2 && f[0] == "build" && strings.HasPrefix(f[1], "vcs.revision="):
			wantCommit = strings.TrimPrefix(f[1], "vcs.revision=")
		case len(f) == 2 && f[0] == "build" && strings.HasPrefix(f[1], "vcs.time="):
			wantDate = strings.TrimPrefix(f[1], "vcs.time=")
		}
	}
	v, flag := runVersionBinary(t, bin)
	if v.Version != wantVersion || v.Commit != wantCommit || v.Date != wantDate {
		t.Errorf("version -o json = %+v, want version %s, commit %s, date %s (from go version -m)", v, wantVersion, wantCommit, wantDate)
	}
	if v.Go != runtime.Version() {
		t.Errorf("go = %q, want %q", v.Go, runtime.Version())
	}
	if want := "keyward " + wantVersion + " (commit " + wantCommit + ", built " + wantDate + ")\n"; flag != want {
		t.Errorf("--version = %q, want %q", flag, want)
	}
}
