package main

import (
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The provable trail through the real binary (issue #12): a direct edit is
// named by 'fieldwork verify' with exit status 1; a head quoted before a
// cut catches the cut; the first write makes a key and says where.

func fw(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(buildBinary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func TestVerifyCLINamesTamperingAndAnchors(t *testing.T) {
	dir := t.TempDir()
	keys := []string{"FIELDWORK_KEY_DIR=" + filepath.Join(dir, "keys"), "FIELDWORK_USER=newcomer"}
	p := filepath.Join(dir, "demo.fieldwork")
	if _, e, code := fw(t, keys, "demo", p); code != 0 {
		t.Fatal(e)
	}
	out, e, code := fw(t, keys, "verify", p)
	if code != 0 || !strings.Contains(out, "records replayed from the trail") || !strings.Contains(out, "demo key") {
		t.Fatalf("clean demo: %d\n%s%s", code, out, e)
	}
	head := regexp.MustCompile(`trail head: (\d+:[0-9a-f]{64})`).FindStringSubmatch(out)
	if head == nil {
		t.Fatalf("verify prints no trail head:\n%s", out)
	}

	// The first write makes the newcomer's key, and says so once.
	_, e, code = fw(t, keys, "note", "add", p, "--control", "LA-02", "--text", "look at the approver list")
	if code != 0 || !strings.Contains(e, "made your signing key at") {
		t.Fatalf("first write: %d %s", code, e)
	}
	_, e, _ = fw(t, keys, "note", "add", p, "--control", "LA-02", "--text", "and the dates")
	if strings.Contains(e, "made your signing key") {
		t.Fatalf("told twice: %s", e)
	}
	if out, e, code := fw(t, keys, "verify", p, "--head", head[1]); code != 0 || !strings.Contains(out, "holds") ||
		!strings.Contains(out, "newcomer is not on the team and signs with their own key") {
		t.Fatalf("after the newcomer's edits: %d\n%s%s", code, out, e)
	}

	db, err := sql.Open("sqlite", "file:"+p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE result SET outcome = 'pass' WHERE id = (SELECT min(id) FROM result WHERE outcome = 'deviation')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out, e, code = fw(t, keys, "verify", p)
	if code != 1 || !strings.Contains(out, `outcome stored "pass", trail says "deviation"`) || !strings.Contains(e, "verification failed") {
		t.Fatalf("tampered: %d\n%s%s", code, out, e)
	}

	// A cut below a quoted head.
	q := filepath.Join(dir, "cut.fieldwork")
	if _, e, code := fw(t, keys, "demo", q); code != 0 {
		t.Fatal(e)
	}
	db, _ = sql.Open("sqlite", "file:"+q)
	db.Exec(`DELETE FROM trail_signature WHERE first_uuid IN (SELECT uuid FROM change_log WHERE seq > (SELECT max(seq) - 10 FROM change_log))`)
	db.Exec(`DELETE FROM change_log WHERE seq > (SELECT max(seq) - 10 FROM change_log)`)
	db.Close()
	out, _, code = fw(t, keys, "verify", q, "--head", head[1])
	if code != 1 || !strings.Contains(out, "was cut off") {
		t.Fatalf("cut trail with a quoted head: %d\n%s", code, out)
	}
	if _, e, code := fw(t, keys, "verify", q, "--head", "12:nothex"); code != 2 || !strings.Contains(e, "SEQ:HASH") {
		t.Fatalf("a bad --head: %d %s", code, e)
	}
}

func TestKeyCommandsAndTeamJoin(t *testing.T) {
	dir := t.TempDir()
	env := []string{"FIELDWORK_KEY_DIR=" + filepath.Join(dir, "keys"), "FIELDWORK_USER=olivia"}
	out, e, code := fw(t, env, "key", "init")
	if code != 0 || !strings.Contains(out, "public key: ed25519:") {
		t.Fatalf("key init: %d %s%s", code, out, e)
	}
	if _, e, code := fw(t, env, "key", "init"); code != 1 || !strings.Contains(e, "never replaces a key") {
		t.Fatalf("second key init: %d %s", code, e)
	}
	pub, _, code := fw(t, env, "key", "show")
	if code != 0 || !strings.HasPrefix(pub, "ed25519:") {
		t.Fatalf("key show: %q", pub)
	}
	p := filepath.Join(dir, "acme.fieldwork")
	if _, e, code := fw(t, env, "new", p, "--client", "Acme", "--system", "Acme Cloud", "--type", "2", "--from", "2026-01-01", "--to", "2026-12-31"); code != 0 {
		t.Fatal(e)
	}
	if out, e, code := fw(t, env, "team", "join", p, "--name", "Olivia Brandt", "--role", "manager"); code != 0 || !strings.Contains(out, "is on the team with key") {
		t.Fatalf("team join: %d %s%s", code, out, e)
	}
	if _, e, code := fw(t, env, "team", "add", p, "--name", "Dev", "--role", "preparer", "--login", "dev", "--key", "ed25519:nope"); code != 1 || !strings.Contains(e, "not an Ed25519 public key") {
		t.Fatalf("a bad --key: %d %s", code, e)
	}
	// A world-readable key is refused and nothing is written.
	kp := filepath.Join(dir, "keys", "olivia.key")
	os.Chmod(kp, 0o644)
	before, _ := os.ReadFile(p)
	if _, e, code := fw(t, env, "note", "add", p, "--engagement", "--text", "x"); code != 1 || !strings.Contains(e, "chmod 600") {
		t.Fatalf("write with a readable key: %d %s", code, e)
	}
	os.Chmod(kp, 0o600)
	if after, _ := os.ReadFile(p); string(before) != string(after) {
		t.Fatal("a refused write changed the file")
	}
	if out, e, code := fw(t, env, "verify", p); code != 0 || strings.Contains(out, "not registered") {
		t.Fatalf("verify after join: %d\n%s%s", code, out, e)
	}
}
