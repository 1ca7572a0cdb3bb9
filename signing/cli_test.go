package signing

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/saraban/saraban/internal/samplepdf"
)

// TestCLI builds cmd/saraban and runs `saraban sign` and `saraban verify` as a user would.
func TestCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	p := getPKI(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "saraban")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/saraban").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	p12, err := pkcs12.Modern.Encode(p.rsa.Key, p.rsa.Cert, p.rsa.Certs, "secret")
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	keyf := write("key.p12", p12)
	pwf := write("pw", []byte("secret\n"))
	rootf := write("root.pem", pemCert(p.root))
	in := write("in.pdf", samplepdf.Letter(21, 20000))
	out := filepath.Join(dir, "out.pdf")
	tsa := startTSA(t)
	run := func(args ...string) (string, int) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "SARABAN_SIGN_PASSWORD=")
		b, _ := cmd.Output()
		return string(b), cmd.ProcessState.ExitCode()
	}

	o, code := run("sign", "--in", in, "--out", out, "--p12", keyf, "--password-file", pwf,
		"--visible", "1:330,100,200,110", "--name", "นายอภิชาติ สารบรรณ", "--position", "รองผู้ว่าราชการจังหวัด ปฏิบัติราชการแทน",
		"--capacity", "ผู้ว่าราชการจังหวัดสงขลา", "--reason", "ลงนาม", "--tsa", tsa.URL, "--json")
	if code != 0 {
		t.Fatalf("sign exit %d: %s", code, o)
	}
	var sr struct {
		Out         string `json:"out"`
		Visible     bool   `json:"visible"`
		Timestamped bool   `json:"timestamped"`
	}
	if err := json.Unmarshal([]byte(o), &sr); err != nil || sr.Out != out || !sr.Visible || !sr.Timestamped {
		t.Fatalf("%v %s", err, o)
	}
	o, code = run("verify", "--trust", rootf, "--json", out)
	var rep Report
	if err := json.Unmarshal([]byte(o), &rep); err != nil || code != 0 || !rep.Valid || len(rep.Signatures) != 1 || rep.Signatures[0].Timestamp == nil {
		t.Fatalf("verify exit %d: %v %s", code, err, o)
	}
	signed, _ := os.ReadFile(out)
	pdfsigAllValid(t, signed, 1)

	// Without the trust store the chain is not trusted: exit 1.
	if _, code := run("verify", "--json", out); code != 1 {
		t.Fatalf("untrusted verify exit %d", code)
	}
	// Unsigned file: exit 1.
	if _, code := run("verify", "--trust", rootf, in); code != 1 {
		t.Fatalf("unsigned verify exit %d", code)
	}
	// Tampered: exit 1.
	bad := append([]byte{}, signed...)
	i := strings.Index(string(bad), "Sample letter")
	bad[i] = 'X'
	if o, code := run("verify", "--trust", rootf, write("bad.pdf", bad)); code != 1 || !strings.Contains(o, "INVALID") {
		t.Fatalf("tampered verify exit %d: %s", code, o)
	}
	// Batch, password from the environment; one bad file is reported, the others signed.
	indir := filepath.Join(dir, "in")
	os.MkdirAll(indir, 0o755)
	for _, n := range []string{"a.pdf", "b.pdf"} {
		os.WriteFile(filepath.Join(indir, n), samplepdf.Letter(uint64(len(n)+int(n[0])), 8000), 0o644)
	}
	os.WriteFile(filepath.Join(indir, "broken.pdf"), []byte("%PDF-1.7\nnot really"), 0o644)
	cmd := exec.Command(bin, "sign", "--in-dir", indir, "--out-dir", filepath.Join(dir, "outdir"), "--p12", keyf, "--json")
	cmd.Env = append(os.Environ(), "SARABAN_SIGN_PASSWORD=secret")
	b, _ := cmd.Output()
	var br struct {
		Signed []signResultJSON `json:"signed"`
		Failed []struct{ In, Error string }
	}
	if err := json.Unmarshal(b, &br); err != nil || cmd.ProcessState.ExitCode() != 1 || len(br.Signed) != 2 || len(br.Failed) != 1 {
		t.Fatalf("batch exit %d: %v %s", cmd.ProcessState.ExitCode(), err, b)
	}
	for _, s := range br.Signed {
		if o, code := run("verify", "--trust", rootf, s.Out); code != 0 {
			t.Fatalf("%s: %s", s.Out, o)
		}
	}
	// Named positions: on the last page, or on a given page.
	for _, v := range []string{"signer", "1:memo"} {
		if o, code := run("sign", "--in", in, "--out", out, "--p12", keyf, "--password-file", pwf, "--visible", v, "--name", "นายอภิชาติ สารบรรณ", "--json"); code != 0 {
			t.Fatalf("--visible %s: exit %d %s", v, code, o)
		}
		if o, code := run("verify", "--trust", rootf, out); code != 0 {
			t.Fatalf("--visible %s: verify %s", v, o)
		}
	}
	if _, code := run("sign", "--in", in, "--out", out, "--p12", keyf, "--password-file", pwf, "--visible", "1:nowhere"); code != 2 {
		t.Fatalf("unknown position exit %d", code)
	}
	// Usage errors exit 2.
	if _, code := run("sign", "--in", in, "--p12", keyf); code != 2 {
		t.Fatalf("usage exit %d", code)
	}
	if _, code := run("sign", "--in", in, "--out", out, "--p12", keyf, "--password-file", pwf, "--visible", "1:1,2,3"); code != 2 {
		t.Fatalf("bad --visible exit %d", code)
	}
}

type signResultJSON struct {
	Out string `json:"out"`
}
