package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/vault"
	"github.com/saraban/saraban/viewer"
)

// fileKeysFlag names the key file that seals the files of classified letters (docs/files.md).
func fileKeysFlag() cli.Flag {
	return &cli.StringFlag{Name: "file-keys", EnvVars: []string{vault.KeyFileEnv},
		Usage: "key file that encrypts classified letters' files at rest, mode 0600 (make one with `saraban keys files --out FILE`)"}
}

// loadFileKeys reads the key file named by --file-keys or SARABAN_FILE_KEYS; nil when none is
// named. A command without the flag still honours the environment variable.
func loadFileKeys(c *cli.Context) (*vault.Keyring, error) {
	path := c.String("file-keys")
	if path == "" {
		path = os.Getenv(vault.KeyFileEnv)
	}
	if path == "" {
		return nil, nil
	}
	return vault.LoadKeyring(path)
}

// openVault opens the object store with the file keys, if any.
func openVault(c *cli.Context) (*vault.Vault, error) {
	keys, err := loadFileKeys(c)
	if err != nil {
		return nil, err
	}
	store, err := openObjects(c)
	if err != nil {
		return nil, err
	}
	return vault.New(store, keys), nil
}

// newViewer serves letters' files to people: opened, watermarked when classified, audited.
func newViewer(db *storage.DB, files viewer.Files) *viewer.Viewer {
	return &viewer.Viewer{Store: db, Files: files}
}

// keysFilesCommand is `saraban keys files`: make a key file, or put a new current key in one.
func keysFilesCommand() *cli.Command {
	return &cli.Command{
		Name:  "files",
		Usage: "make the key file that encrypts classified letters' files at rest (or rotate its current key)",
		Description: "Writes one random 256-bit key per line (\"<id> <base64>\"), mode 0600. The first line seals new files;\n" +
			"every line opens what it sealed, so after --rotate keep the old lines. Give the file to serve, worker and\n" +
			"dev with --file-keys FILE or SARABAN_FILE_KEYS, and keep a copy in a safe: without it, classified files cannot be read.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Required: true, Usage: "the key file"},
			&cli.StringFlag{Name: "id", Usage: "id of the new key (default: k<date>-<random>)"},
			&cli.BoolFlag{Name: "rotate", Usage: "add a new current key in front of the keys of an existing file"},
			jsonFlag(),
		},
		Action: func(c *cli.Context) error {
			path := c.String("out")
			id, err := vault.WriteKeyFile(path, c.String("id"), c.Bool("rotate"))
			if err != nil {
				return fail(c, err)
			}
			k, err := vault.LoadKeyring(path)
			if err != nil {
				return fail(c, err)
			}
			if c.Bool("json") {
				return printJSON(c, map[string]any{"file": path, "current": id, "keys": k.IDs()})
			}
			fmt.Fprintf(c.App.Writer, "%s: current key %s (%d in the file: %s); give it to saraban with --file-keys %s\n",
				path, id, len(k.IDs()), strings.Join(k.IDs(), ", "), path)
			return nil
		},
	}
}
