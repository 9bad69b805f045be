package cmd

import (
	"context"
	"strings"
	"testing"
)

func TestServeFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "127.0.0.1:8787"},
		{[]string{"--listen", "unix:/run/keyward/keyward.sock"}, "unix:/run/keyward/keyward.sock"},
		{[]string{"--listen", "0.0.0.0:9000"}, "0.0.0.0:9000"},
	} {
		var got *ServeOptions
		c := NewCmdServe(&Factory{}, func(_ context.Context, o *ServeOptions) error { got = o; return nil })
		c.SetArgs(tc.args)
		if err := c.Execute(); err != nil || got == nil || got.Listen != tc.want {
			t.Errorf("%v: %+v %v, want listen %s", tc.args, got, err, tc.want)
		}
	}
	c := NewCmdServe(&Factory{}, func(context.Context, *ServeOptions) error { return nil })
	c.SetArgs([]string{"extra"})
	c.SilenceErrors, c.SilenceUsage = true, true
	if err := c.Execute(); err == nil {
		t.Error("serve took an argument")
	}
}

func TestServeRefusesBadAddressBeforeOpeningTheDatabase(t *testing.T) {
	dir := t.TempDir()
	var out, errb strings.Builder
	io := &IO{In: strings.NewReader(""), Out: &out, ErrOut: &errb, Env: func(k string) (string, bool) {
		switch k {
		case "HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME":
			return dir, true
		}
		return "", false
	}}
	code := Run(context.Background(), []string{"serve", "--listen", "nonsense"}, io)
	if code != ExitUsage || !strings.HasPrefix(errb.String(), "keyward: error: invalid listen address \"nonsense\"") || out.String() != "" {
		t.Errorf("exit %d\nstdout %q\nstderr %q", code, out.String(), errb.String())
	}
}
