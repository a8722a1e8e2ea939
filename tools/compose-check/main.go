// Command compose-check validates a Compose file the way `docker compose config -q` does, for
// machines that have the docker CLI but neither the Compose plugin nor an engine (CI here).
//
// It loads the file with compose-go (github.com/compose-spec/compose-go/v2), the library Docker
// Compose v2 itself loads files with: the process environment first, then the `.env` file next
// to the Compose file (unless COMPOSE_DISABLE_ENV_FILE is true, as in Compose), interpolation
// (so `${VAR:?message}` fails naming VAR), the Compose JSON schema, normalisation and the
// consistency checks (depends_on, configs, volumes and networks that must exist).
//
// Usage:
//
//	compose-check [-f docker-compose.yml] [-json]
//
// Exit status 0 when the file is valid; 1 with the loader's message on stderr when it is not;
// 2 for bad flags. With -json it prints the resolved project (as `docker compose config
// --format json` would) on stdout, so callers can assert on ports, images and environment.
//
// `docker compose` itself (github.com/docker/compose/v5) cannot be built with `go install`: its
// go.mod carries exclude directives, which `go install pkg@version` refuses.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	file := flag.String("f", "docker-compose.yml", "the Compose file to validate")
	printJSON := flag.Bool("json", false, "print the resolved project as JSON on stdout")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "compose-check: unexpected arguments %v\n", flag.Args())
		os.Exit(2)
	}
	out, err := check(*file, *printJSON)
	if err != nil {
		fmt.Fprintf(os.Stderr, "compose-check: %s: %v\n", *file, err)
		os.Exit(1)
	}
	if out != nil {
		os.Stdout.Write(append(out, '\n'))
	}
}

// check loads and validates file; with printJSON it returns the resolved project as JSON.
func check(file string, printJSON bool) ([]byte, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	// The option order is Compose's own (cmd/compose ToProject): the process environment wins
	// over the .env file, which is read from the project directory.
	options, err := cli.NewProjectOptions(
		[]string{abs},
		cli.WithWorkingDirectory(filepath.Dir(abs)),
		cli.WithOsEnv,
		cli.WithEnvFiles(),
		cli.WithDotEnv,
		cli.WithDefaultProfiles(),
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		return nil, err
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		return nil, err
	}
	if !printJSON {
		return nil, nil
	}
	return project.MarshalJSON()
}
