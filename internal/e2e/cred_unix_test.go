//go:build unix

package e2e

import (
	"os/exec"
	"syscall"
)

// credential names the user a test runs keyward as.
type credential = syscall.Credential

// runAs makes c run as cred (nil: as this process).
func runAs(c *exec.Cmd, cred *credential) {
	if cred != nil {
		c.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
}
