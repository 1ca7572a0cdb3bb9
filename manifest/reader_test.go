package manifest_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/saraban/saraban/manifest"
)

func readAll(t *testing.T, in string, f manifest.Format) ([]manifest.Record, []error) {
	t.Helper()
	rd, err := manifest.NewReader(strings.NewReader(in), f)
	if err != nil {
		t.Fatal(err)
	}
	var recs []manifest.Record
	var errs []error
	for {
		r, err := rd.Next()
		if err == io.EOF {
			return recs, errs
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		recs = append(recs, r)
	}
}

func TestCSVHeaderInAnyOrderWithBOMAndReasonColumn(t *testing.T) {
	in := "\xef\xbb\xbfstatus,receive_number,received_at,reason\nopen,๑๒,2024-10-07,why\n\nclosed,13,2024-10-08,\n"
	recs, errs := readAll(t, in, manifest.CSV)
	if len(errs) != 0 || len(recs) != 2 || recs[0].Line != 2 || recs[1].Line != 4 || recs[0].Row.ReceiveNumber != "๑๒" || recs[1].Row.Status != "closed" {
		t.Fatalf("%+v %v", recs, errs)
	}
	if _, err := manifest.NewReader(strings.NewReader("receive_number,recieved_at,status\n"), manifest.CSV); err == nil || !strings.Contains(err.Error(), `"recieved_at"`) {
		t.Fatalf("misspelt column: %v", err)
	}
	if _, err := manifest.NewReader(strings.NewReader("receive_number,status\n"), manifest.CSV); err == nil {
		t.Fatal("missing received_at accepted")
	}
}

func TestJSONLinesNumbersNullsAndBrokenLines(t *testing.T) {
	in := `{"receive_number": 5, "received_at": "2024-10-07", "status": "open", "note": null}` + "\n" +
		`{"receive_number": 6,` + "\n" + `{"receive_number": 7, "colour": "red"}` + "\n"
	recs, errs := readAll(t, in, manifest.JSONL)
	var le *manifest.LineError
	if len(recs) != 1 || recs[0].Row.ReceiveNumber != "5" || len(errs) != 2 || !errors.As(errs[0], &le) || le.Line != 2 {
		t.Fatalf("%+v %v", recs, errs)
	}
	if manifest.DetectFormat("x.txt", []byte("  {")) != manifest.JSONL || manifest.DetectFormat("x.csv", []byte("{")) != manifest.CSV {
		t.Fatal("detect")
	}
}

func TestRejectsReadBackAsAManifest(t *testing.T) {
	for _, f := range []manifest.Format{manifest.CSV, manifest.JSONL} {
		var buf bytes.Buffer
		w := manifest.NewRejectWriter(&buf, f)
		row := manifest.Row{ReceiveNumber: "3", ReceivedAt: "2024-10-07", Subject: "เรื่อง, \"ทดสอบ\"", Status: "open"}
		if err := w.Write(row, "urgency: bad"); err != nil {
			t.Fatal(err)
		}
		w.Close()
		recs, errs := readAll(t, buf.String(), f)
		if len(errs) != 0 || len(recs) != 1 || recs[0].Row != row {
			t.Fatalf("%s: %q %+v %v", f, buf.String(), recs, errs)
		}
	}
}

func TestCheckThaiForms(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	e, ps := manifest.Check(manifest.Record{Line: 2, Row: manifest.Row{ReceiveNumber: "๑๒", ReceivedAt: "๗ ต.ค. ๒๕๖๗ ๐๙.๓๐ น.",
		DocDate: "7 ตุลาคม 2567", Urgency: "ด่วนมาก", Secrecy: "ลับ", Status: "ยกเลิก", Note: "ยกเลิก: ซ้ำ", File: "./a/../b.pdf"}}, now)
	if len(ps) != 0 || e.Number != 12 || e.Year != 2567 || e.Urgency != "very_urgent" || e.Secrecy != "confidential" ||
		e.Status != "cancelled" || e.CancelReason != "ซ้ำ" || e.Note != "" || e.File != "b.pdf" || e.DocDate.Format("2006-01-02") != "2024-10-07" {
		t.Fatalf("%+v %v", e, ps)
	}
	_, ps = manifest.Check(manifest.Record{Line: 3, Row: manifest.Row{ReceiveNumber: "0", ReceivedAt: "x", Status: "done", File: "../etc/passwd"}}, now)
	if len(ps) != 4 {
		t.Fatalf("%v", ps)
	}
}
