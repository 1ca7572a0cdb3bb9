package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/saraban/saraban/extract"
	"github.com/saraban/saraban/thai"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:      "extract",
		Usage:     "read a letter's header from its PDF or text: number, date, subject, signer, deadlines, stamps",
		ArgsUsage: "FILE",
		Description: "Prints the fields of every letter in FILE (a PDF, or UTF-8 text), each with a confidence.\n" +
			"Pages of a PDF without a usable text layer go through OCR (tesseract, Thai).\n" +
			"With --evaluate CASES.json, compares the extraction with the corpus and prints the accuracy table.",
		Flags: []cli.Flag{
			jsonFlag(),
			&cli.StringFlag{Name: "ocr", Value: "auto", Usage: "when to OCR PDF pages: auto (pages without text), always, never"},
			&cli.StringFlag{Name: "evaluate", Usage: "letter-cases.json of the corpus: print the per-field accuracy table (markdown)"},
			&cli.StringFlag{Name: "public", Usage: "with --evaluate: the public-letters folder (NN.json, NN.txt, NN.ocr.txt, NN.pdf)"},
			&cli.BoolFlag{Name: "pdf", Usage: "with --evaluate --public: also read the public PDFs (OCR for scans; slow)"},
			&cli.BoolFlag{Name: "misses", Usage: "with --evaluate: list every mismatch after the table"},
			&cli.BoolFlag{Name: "ocr-text", Usage: "the text FILE is OCR output: allow the digit repairs a text layer never needs"},
		},
		Action: func(c *cli.Context) error {
			mode, err := extract.ParseOCRMode(c.String("ocr"))
			if err != nil {
				return usageError("%v", err)
			}
			opts := extract.Options{OCR: mode, OCRText: c.Bool("ocr-text")}
			if cases := c.String("evaluate"); cases != "" {
				rep, err := extract.Evaluate(c.Context, cases, extract.EvalOptions{PublicDir: c.String("public"), PDF: c.Bool("pdf"), Options: opts})
				if err != nil {
					return fail(c, err)
				}
				if c.Bool("json") {
					return printJSON(c, rep)
				}
				fmt.Fprint(c.App.Writer, rep.Markdown())
				if c.Bool("misses") {
					fmt.Fprintln(c.App.Writer)
					fmt.Fprint(c.App.Writer, rep.MissesText())
				}
				return nil
			}
			if c.NArg() != 1 {
				return usageError("extract needs one FILE argument (a PDF or a text file), or --evaluate CASES.json")
			}
			res, err := extract.File(c.Context, c.Args().First(), opts)
			if err != nil {
				if errors.Is(err, os.ErrNotExist) {
					return fail(c, fmt.Errorf("extract: %w", err))
				}
				return fail(c, err)
			}
			if c.Bool("json") {
				return printJSON(c, res)
			}
			printExtract(c, res)
			return nil
		},
	})
}

// printExtract prints the result for a person: one block per letter.
func printExtract(c *cli.Context, res extract.Result) {
	w := c.App.Writer
	fmt.Fprintf(w, "source: %s", res.Source)
	if res.Pages > 0 {
		fmt.Fprintf(w, ", %d page(s)", res.Pages)
	}
	if len(res.OCRPages) > 0 {
		fmt.Fprintf(w, ", OCR on pages %v", res.OCRPages)
	}
	fmt.Fprintln(w)
	for _, warn := range res.Warnings {
		fmt.Fprintln(c.App.ErrWriter, "warning:", warn)
	}
	for i, l := range res.Letters {
		fmt.Fprintf(w, "\nletter %d (%s, lines %d–%d)\n", i+1, l.Kind, l.FirstLine, l.LastLine)
		if l.Kind == extract.KindNotALetter {
			fmt.Fprintf(w, "  not a letter: %s\n", l.Reason)
			continue
		}
		field := func(name, value string, conf float64) {
			if value != "" {
				fmt.Fprintf(w, "  %-12s %s  (%.2f)\n", name, value, conf)
			}
		}
		if l.DocNumber != nil {
			field("number", thai.ToThaiDigits(l.DocNumber.Canonical), l.DocNumber.Confidence)
		}
		if l.Date != nil {
			v := l.Date.ISO
			if v == "" {
				v = l.Date.Month + " (day unreadable)"
			}
			field("date", v+"  "+l.Date.Raw, l.Date.Confidence)
		}
		if l.Agency != nil {
			field("agency", l.Agency.Text, l.Agency.Confidence)
		}
		if l.Subject != nil {
			field("subject", l.Subject.Text, l.Subject.Confidence)
		}
		if l.To != nil {
			field("to", l.To.Text, l.To.Confidence)
		}
		if l.Urgency.Value != "normal" {
			field("urgency", l.Urgency.Value, l.Urgency.Confidence)
		}
		if l.Secrecy.Value != "normal" {
			field("secrecy", l.Secrecy.Value, l.Secrecy.Confidence)
		}
		for _, r := range l.References {
			field("reference", r.Raw, r.Confidence)
		}
		for _, a := range l.Attachments {
			field("enclosure", a.Raw, a.Confidence)
		}
		if l.Signer != nil {
			field("signer", l.Signer.Name+" / "+strings.Join(l.Signer.PositionLines, " / ")+" ["+string(l.Signer.Acting)+"]", l.Signer.Confidence)
		}
		for _, d := range l.Deadlines {
			field("deadline", d.ISO+"  "+d.Raw, d.Confidence)
		}
		for _, s := range l.ReceiveStamps {
			n := "?"
			if s.Number != nil {
				n = fmt.Sprint(*s.Number)
			}
			field("stamp", strings.TrimSpace(n+" "+s.Date+" "+s.Time), s.Confidence)
		}
		for _, f := range l.Flags {
			fmt.Fprintf(w, "  flag         %s: %s\n", f.Code, f.Message)
		}
	}
}
