package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/saraban/saraban/signing"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:      "sign",
		Usage:     "sign PDFs (PAdES B-B, or B-T with --tsa) as an incremental update",
		UsageText: "saraban sign --in F --out F --p12 F --password-file F [--visible PAGE:X,Y,W,H|NAME|PAGE:NAME --name N --position L --capacity L] [--reason R] [--tsa URL] [--json]\n   saraban sign --in-dir D --out-dir D --p12 F ...",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "in", Usage: "PDF to sign"},
			&cli.StringFlag{Name: "out", Usage: "where to write the signed PDF"},
			&cli.StringFlag{Name: "in-dir", Usage: "sign every *.pdf in this folder (batch)"},
			&cli.StringFlag{Name: "out-dir", Usage: "batch output folder (same file names)"},
			&cli.StringFlag{Name: "p12", EnvVars: envs("SIGN_P12"), Usage: "PKCS#12 file with the key and certificate chain"},
			&cli.StringFlag{Name: "password-file", EnvVars: envs("SIGN_PASSWORD_FILE"), Usage: "file whose first line is the PKCS#12 password"},
			&cli.StringFlag{Name: "password-env", Value: "SARABAN_SIGN_PASSWORD", Usage: "environment variable holding the password when there is no --password-file"},
			&cli.StringFlag{Name: "visible", Usage: "visible signature box: PAGE:X,Y,W,H in points from the bottom-left corner of the page as seen (after its rotation), or a named position signer|memo|order|approval (last page), or PAGE:NAME"},
			&cli.StringFlag{Name: "name", Usage: "signer's full name for the box (drawn in parentheses)"},
			&cli.StringSliceFlag{Name: "position", Usage: "position line for the box (repeat for more lines)"},
			&cli.StringSliceFlag{Name: "capacity", Usage: "capacity line, e.g. \"ผู้ว่าราชการจังหวัดสงขลา\" (repeat for a delegation chain)"},
			&cli.StringFlag{Name: "date", Usage: "date printed in the box, YYYY-MM-DD (default: today, Asia/Bangkok); \"none\" prints no date"},
			&cli.StringFlag{Name: "image", Usage: "PNG or JPEG of the handwritten signature for the box"},
			&cli.StringFlag{Name: "reason", Usage: "reason recorded in the signature"},
			&cli.StringFlag{Name: "location", Usage: "location recorded in the signature"},
			&cli.StringFlag{Name: "tsa", EnvVars: envs("TSA_URL"), Usage: "RFC 3161 timestamp server URL (makes the signature PAdES B-T)"},
			jsonFlag(),
		},
		Action: runSign,
	}, &cli.Command{
		Name:      "verify",
		Usage:     "check every signature of a PDF (exit 1 if any is invalid or there is none)",
		ArgsUsage: "FILE",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "trust", EnvVars: envs("TRUST"), Usage: "trusted root certificates: PEM or DER file, or a folder of them (repeatable)"},
			jsonFlag(),
		},
		Action: runVerify,
	})
}

type signResult struct {
	In          string    `json:"in"`
	Out         string    `json:"out"`
	Size        int       `json:"size"`
	SHA256      string    `json:"sha256"`
	Signer      string    `json:"signer"`
	SigningTime time.Time `json:"signing_time"`
	Visible     bool      `json:"visible"`
	Timestamped bool      `json:"timestamped"`
}

type signFailure struct {
	In    string `json:"in"`
	Error string `json:"error"`
}

func runSign(c *cli.Context) error {
	in, out, inDir, outDir := c.String("in"), c.String("out"), c.String("in-dir"), c.String("out-dir")
	batch := inDir != "" || outDir != ""
	switch {
	case batch && (in != "" || out != ""):
		return usageError("use either --in/--out or --in-dir/--out-dir")
	case batch && (inDir == "" || outDir == ""):
		return usageError("batch mode needs both --in-dir and --out-dir")
	case !batch && (in == "" || out == ""):
		return usageError("--in and --out are required (or --in-dir and --out-dir)")
	case c.String("p12") == "":
		return usageError("--p12 is required")
	}
	opts, err := signOptions(c)
	if err != nil {
		return err
	}
	pw, err := signing.ReadPassword(c.String("password-file"), c.String("password-env"))
	if err != nil {
		return fail(c, err)
	}
	signer, err := signing.LoadPKCS12(c.String("p12"), pw)
	if err != nil {
		return fail(c, err)
	}
	if !batch {
		r, err := signFile(in, out, signer, opts)
		if err != nil {
			return fail(c, fmt.Errorf("%s: %w", in, err))
		}
		if c.Bool("json") {
			return printJSON(c, r)
		}
		fmt.Fprintf(c.App.Writer, "signed %s -> %s (%d bytes, %s)\n", in, out, r.Size, r.Signer)
		return nil
	}

	ents, err := os.ReadDir(inDir)
	if err != nil {
		return fail(c, err)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fail(c, err)
	}
	res := struct {
		Signed []signResult  `json:"signed"`
		Failed []signFailure `json:"failed"`
	}{Signed: []signResult{}, Failed: []signFailure{}}
	for _, e := range ents {
		if !e.Type().IsRegular() || !strings.EqualFold(filepath.Ext(e.Name()), ".pdf") {
			continue
		}
		src := filepath.Join(inDir, e.Name())
		r, err := signFile(src, filepath.Join(outDir, e.Name()), signer, opts)
		if err != nil {
			res.Failed = append(res.Failed, signFailure{In: src, Error: err.Error()})
			if !c.Bool("json") {
				fmt.Fprintf(c.App.ErrWriter, "failed %s: %v\n", src, err)
			}
			continue
		}
		res.Signed = append(res.Signed, r)
		if !c.Bool("json") {
			fmt.Fprintf(c.App.Writer, "signed %s -> %s\n", r.In, r.Out)
		}
	}
	if c.Bool("json") {
		if err := printJSON(c, res); err != nil {
			return err
		}
	}
	if len(res.Failed) > 0 {
		return exitError{code: 1, msg: fmt.Sprintf("%d of %d files could not be signed", len(res.Failed), len(res.Failed)+len(res.Signed))}
	}
	return nil
}

func signFile(in, out string, s signing.Signer, opts signing.Options) (signResult, error) {
	data, err := os.ReadFile(in)
	if err != nil {
		return signResult{}, err
	}
	if opts.Time.IsZero() {
		opts.Time = time.Now()
	}
	signed, err := signing.Sign(data, s, opts)
	if err != nil {
		return signResult{}, err
	}
	tmp := out + ".tmp"
	if err := os.WriteFile(tmp, signed, 0o644); err != nil {
		return signResult{}, err
	}
	if err := os.Rename(tmp, out); err != nil {
		os.Remove(tmp)
		return signResult{}, err
	}
	sum := sha256.Sum256(signed)
	return signResult{In: in, Out: out, Size: len(signed), SHA256: hex.EncodeToString(sum[:]),
		Signer: s.Certificate().Subject.String(), SigningTime: opts.Time, Visible: opts.Visible != nil, Timestamped: opts.TSA != nil}, nil
}

func signOptions(c *cli.Context) (signing.Options, error) {
	opts := signing.Options{Reason: c.String("reason"), Location: c.String("location"), Time: time.Now()}
	if u := c.String("tsa"); u != "" {
		opts.TSA = &signing.TSAClient{URL: u}
	}
	v := c.String("visible")
	if v == "" {
		if c.String("name") != "" || len(c.StringSlice("position")) > 0 || len(c.StringSlice("capacity")) > 0 || c.String("image") != "" {
			return opts, usageError("--name, --position, --capacity and --image need --visible PAGE:X,Y,W,H or --visible NAME")
		}
		return opts, nil
	}
	page, rect, pos, err := parseVisible(v)
	if err != nil {
		return opts, usageError("--visible %q: %v", v, err)
	}
	vis := &signing.Visible{Page: page, Rect: rect, Position: pos, Block: signing.Block{
		Name: c.String("name"), Position: c.StringSlice("position"), Capacity: c.StringSlice("capacity")}}
	switch d := c.String("date"); d {
	case "none":
	case "":
		vis.Block.Date = opts.Time
	default:
		t, err := time.ParseInLocation("2006-01-02", d, time.FixedZone("ICT", 7*3600))
		if err != nil {
			return opts, usageError("--date %q: want YYYY-MM-DD", d)
		}
		vis.Block.Date = t
	}
	if p := c.String("image"); p != "" {
		f, err := os.Open(p)
		if err != nil {
			return opts, err
		}
		img, _, err := image.Decode(f)
		f.Close()
		if err != nil {
			return opts, fmt.Errorf("--image %s: %w", p, err)
		}
		vis.Image = img
	}
	opts.Visible = vis
	return opts, nil
}

// parseVisible reads PAGE:X,Y,W,H, NAME or PAGE:NAME (a named position from signing.Positions;
// without a page it goes on the last page).
func parseVisible(s string) (int, [4]float64, string, error) {
	var r [4]float64
	ps, rest, ok := strings.Cut(s, ":")
	if !ok {
		ps, rest = "", s
	}
	page := 0
	if ok {
		var err error
		page, err = strconv.Atoi(strings.TrimSpace(ps))
		if err != nil || page < 1 {
			return 0, r, "", errors.New("the page must be a number from 1")
		}
	}
	if !strings.Contains(rest, ",") {
		name := strings.TrimSpace(rest)
		if _, known := signing.LookupPosition(name); !known {
			return 0, r, "", fmt.Errorf("want PAGE:X,Y,W,H, or a position name (%s) optionally after PAGE:", strings.Join(signing.PositionNames(), ", "))
		}
		return page, r, name, nil
	}
	if !ok {
		return 0, r, "", errors.New("want PAGE:X,Y,W,H")
	}
	parts := strings.Split(rest, ",")
	if len(parts) != 4 {
		return 0, r, "", errors.New("want four numbers X,Y,W,H")
	}
	var n [4]float64
	for i, p := range parts {
		var err error
		if n[i], err = strconv.ParseFloat(strings.TrimSpace(p), 64); err != nil {
			return 0, r, "", fmt.Errorf("%q is not a number", p)
		}
	}
	if n[2] <= 0 || n[3] <= 0 {
		return 0, r, "", errors.New("width and height must be positive")
	}
	return page, [4]float64{n[0], n[1], n[0] + n[2], n[1] + n[3]}, "", nil
}

func runVerify(c *cli.Context) error {
	if c.NArg() != 1 {
		return usageError("verify takes one FILE")
	}
	var trust []string
	for _, t := range c.StringSlice("trust") {
		if t != "" {
			trust = append(trust, t)
		}
	}
	pool, _, err := signing.LoadTrust(trust...)
	if err != nil {
		return fail(c, err)
	}
	data, err := os.ReadFile(c.Args().First())
	if err != nil {
		return fail(c, err)
	}
	rep, err := signing.Verify(data, pool)
	if err != nil {
		if errors.Is(err, signing.ErrNoSignatures) && c.Bool("json") {
			rep.Signatures = []signing.SignatureInfo{}
			if perr := printJSON(c, rep); perr != nil {
				return perr
			}
			return exitError{code: 1, msg: "no signatures"}
		}
		return fail(c, err)
	}
	if c.Bool("json") {
		if err := printJSON(c, rep); err != nil {
			return err
		}
	} else {
		w := c.App.Writer
		for i, s := range rep.Signatures {
			state := "VALID"
			if !s.Valid {
				state = "INVALID"
			}
			fmt.Fprintf(w, "signature %d (%s): %s\n  signer: %s\n", i+1, s.Field, state, s.Signer)
			if s.SigningTime != nil {
				fmt.Fprintf(w, "  signing time (claimed): %s\n", s.SigningTime.Format(time.RFC3339))
			}
			fmt.Fprintf(w, "  digest matches: %v, signature valid: %v, chain trusted: %v\n", s.DigestMatch, s.SignatureOK, s.ChainTrusted)
			if s.CoversWhole {
				fmt.Fprintln(w, "  covers the whole document")
			} else {
				fmt.Fprintf(w, "  covers the first %d bytes; %d bytes added after it (%s)\n", s.RevisionEnd, s.BytesAfter, strings.Join(s.ChangesAfter, ", "))
			}
			if s.Timestamp != nil {
				fmt.Fprintf(w, "  timestamp: %s by %s (trusted: %v)\n", s.Timestamp.Time.Format(time.RFC3339), s.Timestamp.TSA, s.Timestamp.Trusted)
			}
			for _, e := range s.Errors {
				fmt.Fprintf(w, "  problem: %s\n", e)
			}
		}
	}
	if !rep.Valid {
		return exitError{code: 1, msg: "not every signature is valid"}
	}
	return nil
}
