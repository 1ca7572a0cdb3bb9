package storage_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/saraban/saraban/storage"
)

// TestExportSendRegister: a send register exports its numbered letters of one BE year, the
// normal series in number order and then the circular (ว) series, with the document number,
// date, recipients, signer and capacity, status, and the failed e-mail deliveries in the note;
// a letter not yet numbered, or numbered in another year, has no line.
func TestExportSendRegister(t *testing.T) {
	db := demoDB(t)
	ctx := context.Background()
	bkk := time.FixedZone("Asia/Bangkok", 7*3600)
	number := func(o storage.Outgoing, at time.Time) {
		t.Helper()
		if _, err := db.TakeSendNumber(ctx, o.ID, func() time.Time { return at }); err != nil {
			t.Fatal(err)
		}
	}
	sign := func(o storage.Outgoing, at time.Time, capacity ...string) {
		t.Helper()
		if _, err := db.AddOutgoingRevision(ctx, o.ID, "signed", "s-"+o.ID, "sha256/s-"+o.ID+".pdf", 3, "governor"); err != nil {
			t.Fatal(err)
		}
		if err := db.RecordOutgoingSigned(ctx, o.ID, "governor", capacity, at, "s"); err != nil {
			t.Fatal(err)
		}
	}
	day1 := time.Date(2024, 10, 9, 9, 30, 0, 0, bkk)
	day2 := time.Date(2024, 10, 10, 14, 5, 0, 0, bkk)
	// Made in an order that differs from the export's.
	c1 := newOutgoing(t, db, true, storage.Recipient{Unit: "land-hatyai"}, storage.Recipient{Unit: "land-sadao"})
	n1 := newOutgoing(t, db, false, storage.Recipient{Unit: "land-hatyai"}, storage.Recipient{Email: "dol@dol.example"}, storage.Recipient{Email: "perm@moi.example"})
	n2 := newOutgoing(t, db, false, storage.Recipient{Email: "dol@dol.example"})
	draft := newOutgoing(t, db, false, storage.Recipient{Unit: "land-hatyai"})
	old := newOutgoing(t, db, false, storage.Recipient{Unit: "land-hatyai"})
	number(old, time.Date(2023, 12, 31, 23, 0, 0, 0, bkk))
	number(c1, day1)
	number(n1, day1.Add(time.Minute))
	number(n2, day2)
	sign(c1, day1.Add(time.Hour), "ผู้ว่าราชการจังหวัดสงขลา")
	sign(n1, day1.Add(2*time.Hour), "เจ้าพนักงานที่ดินจังหวัด ปฏิบัติราชการแทน", "ผู้ว่าราชการจังหวัดสงขลา")
	if err := db.SetOutgoingStatus(ctx, n1.ID, storage.OutgoingSent); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecordEmailAttempt(ctx, n1.ID, "dol@dol.example", "m1@x", true, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecordEmailAttempt(ctx, n1.ID, "perm@moi.example", "m2@x", false, "permanent failure at rcpt (550): mailbox unavailable"); err != nil {
		t.Fatal(err)
	}
	_ = draft

	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(storage.SendColumns); err != nil {
		t.Fatal(err)
	}
	if err := db.ExportSendRegister(ctx, "LAND-SEND", 2567, func(r storage.SendRow) error { return w.Write(r.Fields()) }); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	office := "สำนักงานที่ดินจังหวัดสงขลา"
	hatyai, sadao := unitName(t, db, "land-hatyai"), unitName(t, db, "land-sadao")
	want := strings.Join(storage.SendColumns, ",") + "\n" +
		"normal,1,ที่ สข 0020/1,2024-10-09,2024-10-09T09:31:00+07:00," + office + "," + hatyai + "; dol@dol.example; perm@moi.example,ขอเชิญประชุม,normal,normal,governor," + governorName(t, db) +
		",เจ้าพนักงานที่ดินจังหวัด ปฏิบัติราชการแทน / ผู้ว่าราชการจังหวัดสงขลา,2024-10-09T11:30:00+07:00,sent,ส่งทางอีเมลไม่สำเร็จ: perm@moi.example (permanent failure at rcpt (550): mailbox unavailable),sha256/s-" + n1.ID + ".pdf\n" +
		"normal,2,ที่ สข 0020/2,2024-10-10,2024-10-10T14:05:00+07:00," + office + ",dol@dol.example,ขอเชิญประชุม,normal,normal,,,,,review,,\n" +
		"circular,1,ที่ สข 0020/ว 1,2024-10-09,2024-10-09T09:30:00+07:00," + office + "," + hatyai + "; " + sadao + ",ขอเชิญประชุม,normal,normal,governor," + governorName(t, db) +
		",ผู้ว่าราชการจังหวัดสงขลา,2024-10-09T10:30:00+07:00,signed,,sha256/s-" + c1.ID + ".pdf\n"
	if got := buf.String(); got != want {
		t.Fatalf("export:\n%s\nwant:\n%s", got, want)
	}

	// The year before has the letter numbered on 31 December.
	var rows []storage.SendRow
	if err := db.ExportSendRegister(ctx, "LAND-SEND", 2566, func(r storage.SendRow) error { rows = append(rows, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].DocNumber != "ที่ สข 0020/1" || rows[0].DocDate != "2023-12-31" {
		t.Fatalf("2566: %+v", rows)
	}
	if err := db.ExportSendRegister(ctx, "LAND-RECV", 2567, func(storage.SendRow) error { return nil }); err == nil || !strings.Contains(err.Error(), "not a send register") {
		t.Fatalf("a receive register: %v", err)
	}
}

func unitName(t *testing.T, db *storage.DB, code string) string {
	t.Helper()
	var name string
	if err := db.Pool.QueryRow(context.Background(), `SELECT name FROM units WHERE code = $1`, code).Scan(&name); err != nil {
		t.Fatal(err)
	}
	return name
}

func governorName(t *testing.T, db *storage.DB) string {
	t.Helper()
	p, err := db.GetPerson(context.Background(), "governor")
	if err != nil {
		t.Fatal(err)
	}
	return p.Name
}
