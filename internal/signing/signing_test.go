package signing

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
)

func TestCreateLoadSignVerify(t *testing.T) {
	t.Setenv("FIELDWORK_KEY_DIR", t.TempDir())
	if _, err := Load("maria.chen"); !errors.Is(err, ErrNoKey) || !strings.Contains(err.Error(), "fieldwork key init") {
		t.Fatalf("no key yet: %v", err)
	}
	k, err := Create("maria.chen")
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(k.Path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %o", st.Mode().Perm())
	}
	if _, err := Create("maria.chen"); err == nil || !strings.Contains(err.Error(), "never replaces a key") {
		t.Fatalf("a second key replaced the first: %v", err)
	}
	l, err := Load("maria.chen")
	if err != nil || !l.Public().Equal(k.Public()) {
		t.Fatalf("reloaded key differs: %v", err)
	}
	msg := []byte("entry 17")
	sig := l.Sign(msg)
	if !Verify(k.Public(), msg, sig) || Verify(k.Public(), []byte("entry 18"), sig) {
		t.Fatal("signature check is wrong")
	}
	if Verify(k.Public(), msg, sig[:10]) || Verify(PublicKey{1, 2}, msg, sig) {
		t.Fatal("a short signature or key verified")
	}
}

func TestKeyFileRefusals(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("FIELDWORK_KEY_DIR", dir)
	k, err := Create("dev")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(k.Path, 0o644)
	if _, err := Load("dev"); !errors.Is(err, ErrPermissions) || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a world-readable key: %v", err)
	}
	os.Chmod(k.Path, 0o600)
	// Someone else's key under this name.
	p, _ := Path("olivia")
	b, _ := os.ReadFile(k.Path)
	os.WriteFile(p, b, 0o600)
	if _, err := Load("olivia"); !errors.Is(err, ErrBadKeyFile) || !strings.Contains(err.Error(), `"dev"'s`) {
		t.Fatalf("another user's key: %v", err)
	}
	for name, body := range map[string]string{
		"not a key":  "hello\n",
		"bad seed":   "fieldwork-key/1\nuser: x\nseed: AAAA\n",
		"empty file": "",
	} {
		os.WriteFile(filepath.Join(dir, "x.key"), []byte(body), 0o600)
		if _, err := Load("x"); !errors.Is(err, ErrBadKeyFile) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestParsePublicKey(t *testing.T) {
	k := DemoKey("someone")
	pk, err := ParsePublicKey(" " + k.Public().String() + "\n")
	if err != nil || !pk.Equal(k.Public()) {
		t.Fatalf("round trip: %v", err)
	}
	sshPub, _ := ssh.NewPublicKey(ed25519.PublicKey(k.Public()))
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub))) + " someone@laptop"
	if pk, err := ParsePublicKey(line); err != nil || !pk.Equal(k.Public()) {
		t.Fatalf("ssh-ed25519 line: %v", err)
	}
	for _, bad := range []string{"", "ed25519:", "ed25519:!!!", "ed25519:AAAA", "ssh-rsa AAAAB3NzaC1yc2E", "rsa:xyz"} {
		if _, err := ParsePublicKey(bad); !errors.Is(err, ErrBadPublic) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestDemoKeysAreMarked(t *testing.T) {
	a, b := DemoKey("maria.chen"), DemoKey("maria.chen")
	if !a.Public().Equal(b.Public()) || !a.Demo || !IsDemoKey("maria.chen", a.Public()) || IsDemoKey("olivia", a.Public()) {
		t.Fatal("demo keys are not fixed per user, or not marked")
	}
}

func TestFromSSH(t *testing.T) {
	t.Setenv("FIELDWORK_KEY_DIR", t.TempDir())
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	block, err := ssh.MarshalPrivateKey(priv, "me@laptop")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "id_ed25519")
	os.WriteFile(p, pem.EncodeToMemory(block), 0o600)
	k, err := FromSSH("me", p)
	if err != nil || !k.Public().Equal(PublicKey(pub)) {
		t.Fatalf("from ssh: %v", err)
	}
	enc, _ := ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte("secret"))
	q := filepath.Join(t.TempDir(), "id_locked")
	os.WriteFile(q, pem.EncodeToMemory(enc), 0o600)
	if _, err := FromSSH("you", q); err == nil || !strings.Contains(err.Error(), "passphrase") {
		t.Fatalf("a locked ssh key: %v", err)
	}
}

// Two processes writing their first change at once end with one key.
func TestLoadOrCreateRace(t *testing.T) {
	t.Setenv("FIELDWORK_KEY_DIR", t.TempDir())
	var wg sync.WaitGroup
	keys := make([]*Key, 8)
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, _, err := LoadOrCreate("busy")
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		}()
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if k == nil || !k.Public().Equal(keys[0].Public()) {
			t.Fatal("concurrent first writes made different keys")
		}
	}
}

func BenchmarkSign(b *testing.B) {
	k := DemoKey("bench")
	msg := []byte("fieldwork-trail-signature/1\nop\nmaria.chen\n…\n")
	for i := 0; i < b.N; i++ {
		k.Sign(msg)
	}
}

func BenchmarkVerify(b *testing.B) {
	k := DemoKey("bench")
	msg := []byte("fieldwork-trail-signature/1\nop\nmaria.chen\n…\n")
	sig := k.Sign(msg)
	pub := k.Public()
	for i := 0; i < b.N; i++ {
		Verify(pub, msg, sig)
	}
}
