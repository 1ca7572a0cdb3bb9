package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/saraban/saraban/auth"
	"github.com/saraban/saraban/storage"
)

// demoAccounts are the web accounts of the demo agency (deploy/demo/agency.yaml): a clerk of
// the land office, its head, the deputy governor and the administrator.
var demoAccounts = []struct {
	person, role string
	admin        bool
}{
	{"panisa", "clerk (เจ้าหน้าที่ธุรการ, สำนักงานที่ดินจังหวัดสงขลา)", false},
	{"sujit", "unit head (เจ้าพนักงานที่ดินจังหวัดสงขลา)", false},
	{"apichat", "deputy (รองผู้ว่าราชการจังหวัดสงขลา)", false},
	{"nattawut", "administrator (ผู้ดูแลระบบ)", true},
}

func init() {
	commands = append(commands, &cli.Command{
		Name:  "user",
		Usage: "web accounts: add, passwd, list, disable, demo",
		Subcommands: []*cli.Command{
			{
				Name:      "add",
				Usage:     "add a web account for a person of the organisation (prints a generated password unless one is given)",
				ArgsUsage: "USERNAME",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "person", Required: true, Usage: "the person's id in the organisation (saraban org show)"},
					&cli.BoolFlag{Name: "admin", Usage: "administrator: administration screens, no letters (break-glass only)"},
					&cli.StringFlag{Name: "password-file", Usage: "read the password from the first line of this file"},
					&cli.BoolFlag{Name: "password-stdin", Usage: "read the password from standard input"},
					&cli.StringFlag{Name: "lang", Value: "th", Usage: "th or en"},
					jsonFlag(),
				},
				Action: func(c *cli.Context) error {
					user := c.Args().First()
					if user == "" {
						user = c.String("person")
					}
					pass, generated, err := readNewPassword(c, user)
					if err != nil {
						return usageError("user add: %v", err)
					}
					hash, err := auth.Hash(pass, auth.DefaultParams)
					if err != nil {
						return err
					}
					return withDB(c, func(ctx context.Context, db *storage.DB) error {
						if err := db.CreateAccount(ctx, storage.NewAccount{Username: user, PersonID: c.String("person"), PasswordHash: hash,
							IsAdmin: c.Bool("admin"), Lang: c.String("lang")}, operator()); err != nil {
							return fail(c, err)
						}
						out := map[string]any{"username": strings.ToLower(user), "person": c.String("person"), "admin": c.Bool("admin")}
						if generated {
							out["password"] = pass
						}
						if c.Bool("json") {
							return printJSON(c, out)
						}
						fmt.Fprintf(c.App.Writer, "account %s added for %s\n", strings.ToLower(user), c.String("person"))
						if generated {
							fmt.Fprintf(c.App.Writer, "password: %s   (give it to the person; they can change it)\n", pass)
						}
						return nil
					})
				},
			},
			{
				Name:      "passwd",
				Usage:     "set an account's password (ends its sessions and unlocks it); prints a generated one unless given",
				ArgsUsage: "USERNAME",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "password-file"},
					&cli.BoolFlag{Name: "password-stdin"},
				},
				Action: func(c *cli.Context) error {
					user := c.Args().First()
					if user == "" {
						return usageError("user passwd: name the account: saraban user passwd USERNAME")
					}
					pass, generated, err := readNewPassword(c, user)
					if err != nil {
						return usageError("user passwd: %v", err)
					}
					hash, err := auth.Hash(pass, auth.DefaultParams)
					if err != nil {
						return err
					}
					return withDB(c, func(ctx context.Context, db *storage.DB) error {
						if err := db.SetPassword(ctx, user, hash, operator()); err != nil {
							return fail(c, err)
						}
						fmt.Fprintf(c.App.Writer, "password of %s changed\n", strings.ToLower(user))
						if generated {
							fmt.Fprintf(c.App.Writer, "password: %s\n", pass)
						}
						return nil
					})
				},
			},
			{
				Name:  "list",
				Usage: "list web accounts",
				Flags: []cli.Flag{jsonFlag()},
				Action: func(c *cli.Context) error {
					return withDB(c, func(ctx context.Context, db *storage.DB) error {
						list, err := db.ListAccounts(ctx)
						if err != nil {
							return fail(c, err)
						}
						if c.Bool("json") {
							if list == nil {
								list = []storage.Account{}
							}
							return printJSON(c, list)
						}
						for _, a := range list {
							flags := ""
							if a.IsAdmin {
								flags += " admin"
							}
							if a.Disabled {
								flags += " disabled"
							}
							fmt.Fprintf(c.App.Writer, "%-16s %-12s %s%s\n", a.Username, a.PersonID, a.PersonName, flags)
						}
						return nil
					})
				},
			},
			{
				Name:      "disable",
				Usage:     "disable an account (its sessions end); --enable turns it back on",
				ArgsUsage: "USERNAME",
				Flags:     []cli.Flag{&cli.BoolFlag{Name: "enable"}},
				Action: func(c *cli.Context) error {
					user := c.Args().First()
					return withDB(c, func(ctx context.Context, db *storage.DB) error {
						a, err := db.GetAccount(ctx, user)
						if err != nil {
							if errors.Is(err, storage.ErrNoAccount) {
								return fail(c, fmt.Errorf("no account %q", user))
							}
							return fail(c, err)
						}
						return db.SetAccountFlags(ctx, a.Username, a.IsAdmin, !c.Bool("enable"), operator())
					})
				},
			},
			{
				Name:  "demo",
				Usage: "add the demo agency's accounts (clerk, unit head, deputy, administrator) once, and print them",
				Flags: []cli.Flag{&cli.StringFlag{Name: "file", Value: ".state/demo-accounts.txt", Usage: "where the generated passwords are kept (mode 0600)"}},
				Action: func(c *cli.Context) error {
					return withDB(c, func(ctx context.Context, db *storage.DB) error {
						known := map[string]string{}
						if b, err := os.ReadFile(c.String("file")); err == nil {
							for _, line := range strings.Split(string(b), "\n") {
								if f := strings.Fields(line); len(f) >= 2 {
									known[f[0]] = f[1]
								}
							}
						}
						var lines []string
						for _, d := range demoAccounts {
							pass, ok := known[d.person]
							_, err := db.GetAccount(ctx, d.person)
							switch {
							case err == nil && ok:
							case errors.Is(err, storage.ErrNoAccount) || (err == nil && !ok):
								pass = auth.Token(9)
								hash, herr := auth.Hash(pass, auth.DefaultParams)
								if herr != nil {
									return herr
								}
								if err == nil {
									err = db.SetPassword(ctx, d.person, hash, operator())
								} else {
									err = db.CreateAccount(ctx, storage.NewAccount{Username: d.person, PersonID: d.person, PasswordHash: hash, IsAdmin: d.admin}, operator())
								}
								if err != nil {
									return fail(c, fmt.Errorf("demo account %s: %w (load the demo agency first: make demo)", d.person, err))
								}
							default:
								return fail(c, err)
							}
							lines = append(lines, fmt.Sprintf("%-10s %-14s %s", d.person, pass, d.role))
						}
						text := strings.Join(lines, "\n") + "\n"
						if err := os.WriteFile(c.String("file"), []byte(text), 0o600); err != nil {
							return err
						}
						fmt.Fprint(c.App.Writer, "demo accounts (username, password, who):\n"+text)
						return nil
					})
				},
			},
		},
	})
}

// readNewPassword reads a new password from --password-file or --password-stdin, or makes one.
func readNewPassword(c *cli.Context, user string) (pass string, generated bool, err error) {
	switch {
	case c.String("password-file") != "":
		b, err := os.ReadFile(c.String("password-file"))
		if err != nil {
			return "", false, err
		}
		pass, _, _ = strings.Cut(string(b), "\n")
	case c.Bool("password-stdin"):
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", false, fmt.Errorf("read the password from standard input: %w", err)
		}
		pass = strings.TrimRight(line, "\r\n")
	default:
		return auth.Token(12), true, nil
	}
	pass = strings.TrimRight(pass, "\r")
	return pass, false, auth.CheckPolicy(pass, user)
}
