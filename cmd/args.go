package cmd

import (
	"github.com/keyward/keyward/internal/keys"
	"github.com/spf13/cobra"
)

// refArgs accepts one or more ALIAS|ID arguments, refusing anything that
// looks like a secret without repeating it.
func refArgs(min int) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		for _, a := range args {
			if keys.LooksLikeCredential(a) {
				return keys.ErrSecretArgument()
			}
		}
		if len(args) < min {
			return keys.Errorf(keys.EINVALID, "usage", "%s needs an alias or key id", c.CommandPath()).
				WithHint("see: %s --help", c.CommandPath())
		}
		return nil
	}
}

// noArgs refuses positional arguments; one that looks like a key gets a
// hint to pipe it instead, and is never echoed.
func noArgs(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	for _, a := range args {
		if keys.LooksLikeCredential(a) {
			return keys.ErrSecretArgument()
		}
	}
	return keys.Errorf(keys.EINVALID, "usage", "%s takes no arguments", c.CommandPath()).
		WithHint("see: %s --help", c.CommandPath())
}

// changedString returns a pointer to a flag's value if it was given.
func changedString(c *cobra.Command, name string, v string) *string {
	if c.Flags().Changed(name) {
		return &v
	}
	return nil
}

// changedList returns a pointer to a repeatable flag's values if given.
func changedList(c *cobra.Command, name string, v []string) *[]string {
	if c.Flags().Changed(name) {
		if v == nil {
			v = []string{}
		}
		return &v
	}
	return nil
}
