package extract

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzExtractText: no panic, no hang, output that encodes as JSON, on any input.
func FuzzExtractText(f *testing.F) {
	seeds := []string{
		"", "ที่", "ที่ ", "ที่ สข ๐๐๑๗.๒/ว ๗๕๗๗\nเรื่อง ก\nเรียน ข", "ที่ ๑/๒๕๖๓", "ที่ อบ 0032.301.32.003/",
		"เลขรับ 1\n11 ก.ย.\n15.42", "วันที่ 6637\nวันที่ 9 มี.ย. 2561\nเวลา", "((((((((นาย", "ภายในวันที่ ภายในปี ภายใน ๙๙๙ วัน",
		"ํา้้า ํ ํ ่่่่", "๑๒/๒๕๖๗๘๙๐", "ประจำปีงบประมาณ พ.ศ. ขอให้", "\f\f\f", strings.Repeat("ที่ ", 100),
		"มี.ย. ส. ต. ค. ม.ค.63 ๓๑/ธ.ค./๒๕๖๗ วันพุธที่ ๓๑ ก.พ. ๒๕๖๗",
	}
	if dir := os.Getenv("SARABAN_CORPUS"); dir != "" || true {
		if dir == "" {
			dir = filepath.Join("..", "..", "shared", "corpus")
		}
		files, _ := filepath.Glob(filepath.Join(dir, "letters", "*.txt"))
		pub, _ := filepath.Glob(filepath.Join(dir, "public-letters", "*.txt"))
		for _, p := range append(files, pub...) {
			if data, err := os.ReadFile(p); err == nil {
				if len(data) > 6000 {
					data = data[:6000]
				}
				seeds = append(seeds, string(data))
			}
		}
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		start := time.Now()
		done := make(chan Result, 1)
		go func() { done <- ExtractText(s, Options{Now: testNow, OCRText: len(s)%2 == 0}) }()
		var res Result
		select {
		case res = <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("hang on %q", s)
		}
		if d := time.Since(start); d > 2*time.Second+time.Duration(len(s))*2*time.Microsecond {
			t.Fatalf("%d bytes took %v", len(s), d)
		}
		if len(res.Letters) == 0 {
			t.Fatal("no letter and no not_a_letter entry")
		}
		if _, err := json.Marshal(res); err != nil {
			t.Fatal(err)
		}
	})
}

// TestLargeInputsBoundedTime feeds 1 MB inputs built to provoke quadratic work (many number
// lines, one huge line, deep label repetition, many dates and deadlines) and checks the time.
func TestLargeInputsBoundedTime(t *testing.T) {
	const mb = 1 << 20
	rep := func(s string) string { return strings.Repeat(s, mb/len(s)+1)[:mb] }
	inputs := map[string]string{
		"number lines":  rep("ที่ สข ๐๐๑๗.๒/ว ๗๕๗๗\nเรื่อง ก\nเรียน ข\n"),
		"one long line": rep("ภายในวันที่ ๑๙ ตุลาคม ๒๕๖๒ ที่ นร ๑๒๐๐/ว ๔๔ ลงวันที่ ๖ ก.ย. ๒๕๖๗ "),
		"stamps":        rep("เลขรับ 1\nวันที่ 9 ต.ค. 2567\nเวลา 11:56 น.\n"),
		"names":         rep("(นาย ก ข)\nรองผู้ว่าราชการจังหวัด ปฏิบัติราชการแทน\n"),
		"marks":         rep("ํ้้า "),
		"digits":        rep("๑๒๓๔๕๖๗๘๙๐/"),
		"items":         rep("อ้างถึง ๑. หนังสือ ที่ มท ๐๘๑๐/๑ ลงวันที่ ๑ ม.ค. ๒๕๖๗\n"),
		"no newline":    rep("ก"),
		"blank lines":   rep("\n"),
		"dots":          rep("....."),
		"parentheses":   rep("((((นาย"),
	}
	for name, s := range inputs {
		start := time.Now()
		res := ExtractText(s, Options{Now: testNow})
		d := time.Since(start)
		t.Logf("%-14s %7.0f ms, %d letters", name, d.Seconds()*1000, len(res.Letters))
		if d > 10*time.Second {
			t.Errorf("%s: %v for 1 MB", name, d)
		}
	}
}
