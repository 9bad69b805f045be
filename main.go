// Command keyward issues and manages API keys for services.
package main

import (
	"os"

	"github.com/keyward/keyward/cmd"
)

func main() { os.Exit(cmd.Main(os.Args[1:])) }
