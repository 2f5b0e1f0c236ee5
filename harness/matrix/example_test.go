package matrix_test

import (
	"context"
	"fmt"
	"os"

	"github.com/mcpvcr/mcpvcr/harness/matrix"
	"github.com/mcpvcr/mcpvcr/toxics"
)

// Replay every fixture through the Quick Tunnel profile, print the table,
// and compare with what is written down.
func ExampleRun() {
	cells, err := matrix.Run(context.Background(), matrix.Options{
		FixturesDir: "fixtures",
		Profiles:    []toxics.Profile{toxics.CloudflareQuickTunnel},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	exp, err := matrix.LoadExpectations("fixtures/" + matrix.ExpectationsFile)
	if err != nil {
		fmt.Println(err)
		return
	}
	matrix.WriteTable(os.Stdout, cells, exp)
	if err := matrix.Check(cells, exp, "fixtures/"+matrix.ExpectationsFile); err != nil {
		fmt.Println(err)
	}
}
