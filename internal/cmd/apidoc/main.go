// Command apidoc prints docs/api.md, the module's public API on one page:
//
//	go run ./internal/cmd/apidoc > docs/api.md
package main

import (
	"bufio"
	"fmt"
	"os"

	"github.com/mcpvcr/mcpvcr/internal/apidoc"
	"github.com/mcpvcr/mcpvcr/internal/moduleroot"
)

func main() {
	root, err := moduleroot.Find()
	if err != nil {
		fmt.Fprintln(os.Stderr, "apidoc:", err)
		os.Exit(2)
	}
	w := bufio.NewWriter(os.Stdout)
	if err := apidoc.Write(w, root); err != nil {
		fmt.Fprintln(os.Stderr, "apidoc:", err)
		os.Exit(1)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "apidoc:", err)
		os.Exit(1)
	}
}
