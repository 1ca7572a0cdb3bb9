package storage_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/saraban/saraban/internal/testenv"
	"github.com/saraban/saraban/manifest"
	"github.com/saraban/saraban/storage"
	"github.com/saraban/saraban/thai"
)

func TestCancelledEntriesKeepTheirNumberAndExportInOrder(t *testing.T) {
	db := testenv.DB(t)
	testenv.Demo(t, db)
	ctx := context.Background()
	bkk := time.FixedZone("Asia/Bangkok", 7*3600)
	docDate := time.Date(2024, 10, 7, 0, 0, 0, 0, time.UTC)
	deadline := time.Date(2024, 10, 19, 16, 30, 0, 0, bkk)
	for i := 1; i <= 3; i++ {
		at := time.Date(2024, 10, 9, 11, 55+i, 0, 0, bkk)
		l := storage.NewLetter{ID: fmt.Sprintf("00000000-0000-0000-0000-00000000000%d", i), DocNumberRaw: fmt.Sprintf("ที่ สข ๐๐๑๗.๒/ว ๗๕๗%s", thai.ToThaiDigits(fmt.Sprint(i))),
			DocDate: &docDate, From: "จังหวัดสงขลา", To: "เจ้าพนักงานที่ดินจังหวัดสงขลา", Subject: fmt.Sprintf("เรื่อง, \"ทดสอบ\" %d", i),
			Urgency: "most_urgent", OriginalSHA256: fmt.Sprintf("%064d", i), OriginalKey: fmt.Sprintf("sha256/%064d.pdf", i), Size: 10}
		if i == 3 {
			l.Deadline = &deadline
			l.Secrecy = "confidential"
		}
		r, err := db.ReceiveLetter(ctx, storage.ReceiveParams{Register: "LAND-RECV", Letter: l, Actor: "operator:test", Now: func() time.Time { return at }})
		if err != nil {
			t.Fatal(err)
		}
		if r.Number != i || r.Year != 2567 {
			t.Fatalf("receipt %+v", r)
		}
	}
	if err := db.CancelEntry(ctx, "LAND-RECV", 2567, 2, "ลงทะเบียนซ้ำ", "operator:test"); err != nil {
		t.Fatal(err)
	}
	if err := db.CancelEntry(ctx, "LAND-RECV", 2567, 2, "again", "operator:test"); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("second cancel: %v", err)
	}
	if err := db.CancelEntry(ctx, "LAND-RECV", 2567, 9, "x", "operator:test"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("cancel of a number never issued: %v", err)
	}
	// The next receipt takes 4: a cancelled number is never reused.
	l := storage.NewLetter{ID: "00000000-0000-0000-0000-000000000004", OriginalSHA256: fmt.Sprintf("%064d", 4), OriginalKey: "k4", Size: 1}
	r, err := db.ReceiveLetter(ctx, storage.ReceiveParams{Register: "LAND-RECV", Letter: l, Actor: "operator:test",
		Now: func() time.Time { return time.Date(2024, 10, 10, 8, 0, 0, 0, bkk) }})
	if err != nil || r.Number != 4 {
		t.Fatalf("next receipt %+v err %v", r, err)
	}
	var buf bytes.Buffer
	w := manifest.NewCSVWriter(&buf)
	if err := db.ExportRegister(ctx, "LAND-RECV", 2567, w.Write); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := "receive_number,received_at,doc_number,doc_date,from,to,subject,urgency,secrecy,action,note,file,status,deadline\n" +
		"1,2024-10-09T11:56:00+07:00,ที่ สข ๐๐๑๗.๒/ว ๗๕๗๑,2024-10-07,จังหวัดสงขลา,เจ้าพนักงานที่ดินจังหวัดสงขลา,\"เรื่อง, \"\"ทดสอบ\"\" 1\",most_urgent,normal,,,sha256/" + fmt.Sprintf("%064d", 1) + ".pdf,open,\n" +
		"2,2024-10-09T11:57:00+07:00,ที่ สข ๐๐๑๗.๒/ว ๗๕๗๒,2024-10-07,จังหวัดสงขลา,เจ้าพนักงานที่ดินจังหวัดสงขลา,\"เรื่อง, \"\"ทดสอบ\"\" 2\",most_urgent,normal,,ยกเลิก: ลงทะเบียนซ้ำ,sha256/" + fmt.Sprintf("%064d", 2) + ".pdf,cancelled,\n" +
		"3,2024-10-09T11:58:00+07:00,ที่ สข ๐๐๑๗.๒/ว ๗๕๗๓,2024-10-07,จังหวัดสงขลา,เจ้าพนักงานที่ดินจังหวัดสงขลา,\"เรื่อง, \"\"ทดสอบ\"\" 3\",most_urgent,confidential,,,sha256/" + fmt.Sprintf("%064d", 3) + ".pdf,open,2024-10-19T16:30:00+07:00\n" +
		"4,2024-10-10T08:00:00+07:00,,,,,,normal,normal,,,k4,open,\n"
	if got := buf.String(); got != want {
		t.Fatalf("export:\n%s\nwant:\n%s", got, want)
	}
	if err := db.ExportRegister(ctx, "NOPE", 2567, w.Write); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("unknown register: %v", err)
	}
}
