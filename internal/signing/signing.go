// Package signing holds an auditor's own Ed25519 key: where it lives, how it
// is made, read and checked, and how a public key is written down. The
// private key never goes into a workpaper; a workpaper records public keys
// and signatures only.
//
// A key file is plain text, mode 0600, in the user's config folder
// (FIELDWORK_KEY_DIR overrides it):
//
//	fieldwork-key/1
//	user: maria.chen
//	seed: <32-byte Ed25519 seed, base64>
package signing

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"
)

// Errors a caller can tell apart with errors.Is.
var (
	ErrNoKey       = errors.New("no signing key")
	ErrPermissions = errors.New("signing key file is readable by others")
	ErrBadKeyFile  = errors.New("not a fieldwork key file")
	ErrBadPublic   = errors.New("not an Ed25519 public key")
)

// PublicKey is an Ed25519 public key.
type PublicKey ed25519.PublicKey

// String writes the key as "ed25519:" and its base64, the form fieldwork
// prints and takes.
func (p PublicKey) String() string {
	return "ed25519:" + base64.StdEncoding.EncodeToString(p)
}

// Fingerprint is a short form for people to compare: the first 8 bytes of
// the key's SHA-256, in hex pairs.
func (p PublicKey) Fingerprint() string {
	s := sha256.Sum256(p)
	var b strings.Builder
	for i := 0; i < 8; i++ {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02x", s[i])
	}
	return b.String()
}

// Equal reports whether two public keys are the same.
func (p PublicKey) Equal(q PublicKey) bool { return bytes.Equal(p, q) }

// ParsePublicKey reads "ed25519:BASE64" or an OpenSSH authorized_keys line
// ("ssh-ed25519 AAAA… comment").
func ParsePublicKey(s string) (PublicKey, error) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "ed25519:"); ok {
		b, err := base64.StdEncoding.DecodeString(rest)
		if err != nil || len(b) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%w: %q is not 32 bytes of base64 after \"ed25519:\"", ErrBadPublic, clip(s))
		}
		return PublicKey(b), nil
	}
	if strings.HasPrefix(s, "ssh-") {
		pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadPublic, err)
		}
		cpk, ok := pk.(ssh.CryptoPublicKey)
		if !ok {
			return nil, fmt.Errorf("%w: an SSH key of type %s", ErrBadPublic, pk.Type())
		}
		ed, ok := cpk.CryptoPublicKey().(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("%w: an SSH key of type %s (fieldwork signs with Ed25519 keys only)", ErrBadPublic, pk.Type())
		}
		return PublicKey(ed), nil
	}
	return nil, fmt.Errorf("%w: %q (expected \"ed25519:BASE64\" or an \"ssh-ed25519 …\" line)", ErrBadPublic, clip(s))
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// Key is one auditor's signing key.
type Key struct {
	User    string
	private ed25519.PrivateKey
	// Demo marks the fictional team's keys of the demo engagement: derived
	// from a published seed, so they prove nothing.
	Demo bool
	// Path is the key file it was read from ("" for demo keys).
	Path string
}

// Public is the key's public half.
func (k *Key) Public() PublicKey { return PublicKey(k.private.Public().(ed25519.PublicKey)) }

// Sign signs msg.
func (k *Key) Sign(msg []byte) []byte { return ed25519.Sign(k.private, msg) }

// Verify reports whether sig is pub's signature of msg.
func Verify(pub PublicKey, msg, sig []byte) bool {
	if len(pub) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize {
		return false
	}
	return ed25519.Verify(ed25519.PublicKey(pub), msg, sig)
}

// demoSeedPrefix makes the demo team's keys. It is published here on
// purpose: anyone can sign as the demo team, which is why fieldwork marks
// these keys as demo keys wherever it shows them.
const demoSeedPrefix = "fieldwork demo key/1/"

// DemoKey is the demo team member's key for user.
func DemoKey(user string) *Key {
	seed := sha256.Sum256([]byte(demoSeedPrefix + user))
	return &Key{User: user, private: ed25519.NewKeyFromSeed(seed[:]), Demo: true}
}

// IsDemoKey reports whether pub is the demo key of user.
func IsDemoKey(user string, pub PublicKey) bool { return DemoKey(user).Public().Equal(pub) }

// Dir is the folder that holds the user's key files: FIELDWORK_KEY_DIR, or
// "fieldwork/keys" in the user's config folder.
func Dir() (string, error) {
	if d := os.Getenv("FIELDWORK_KEY_DIR"); d != "" {
		return d, nil
	}
	c, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no config folder for the signing key (set FIELDWORK_KEY_DIR): %w", err)
	}
	return filepath.Join(c, "fieldwork", "keys"), nil
}

// Path is the key file of user.
func Path(user string) (string, error) {
	d, err := Dir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, fileName(user)+".key"), nil
}

// fileName makes a user name safe as a file name; distinct names that
// clean alike get the hash of the name to stay distinct.
func fileName(user string) string {
	var b strings.Builder
	clean := true
	for _, r := range user {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
			clean = false
		}
	}
	s := b.String()
	if !clean || s == "" || strings.HasPrefix(s, ".") {
		h := sha256.Sum256([]byte(user))
		s = strings.TrimLeft(s, ".") + "-" + fmt.Sprintf("%x", h[:4])
	}
	return s
}

// Load reads user's key. A missing file is ErrNoKey; a file others can read
// is ErrPermissions (the key is then not used: fix the mode or make a new one).
func Load(user string) (*Key, error) {
	p, err := Path(user)
	if err != nil {
		return nil, err
	}
	return LoadFile(p, user)
}

// LoadFile reads a key file and checks it belongs to user.
func LoadFile(path, user string) (*Key, error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w for %s (%s): make one with 'fieldwork key init'", ErrNoKey, user, path)
	}
	if err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s: %w (mode %04o): run 'chmod 600 %s'", path, ErrPermissions, st.Mode().Perm(), path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var fileUser, seed string
	sc := bufio.NewScanner(bytes.NewReader(data))
	line := 0
	for sc.Scan() {
		line++
		t := strings.TrimSpace(sc.Text())
		switch {
		case line == 1:
			if t != "fieldwork-key/1" {
				return nil, fmt.Errorf("%s: %w (first line is not \"fieldwork-key/1\")", path, ErrBadKeyFile)
			}
		case strings.HasPrefix(t, "user: "):
			fileUser = strings.TrimPrefix(t, "user: ")
		case strings.HasPrefix(t, "seed: "):
			seed = strings.TrimPrefix(t, "seed: ")
		}
	}
	b, err := base64.StdEncoding.DecodeString(seed)
	if err != nil || len(b) != ed25519.SeedSize {
		return nil, fmt.Errorf("%s: %w (the seed line is not 32 bytes of base64)", path, ErrBadKeyFile)
	}
	if fileUser != user {
		return nil, fmt.Errorf("%s: %w: it is %q's key, not %q's", path, ErrBadKeyFile, fileUser, user)
	}
	return &Key{User: user, private: ed25519.NewKeyFromSeed(b), Path: path}, nil
}

// Create makes a new key for user and writes it, mode 0600. It refuses to
// replace an existing key.
func Create(user string) (*Key, error) {
	var seed [ed25519.SeedSize]byte
	if _, err := rand.Read(seed[:]); err != nil {
		return nil, err
	}
	return store(user, seed[:])
}

// FromSSH takes an existing OpenSSH Ed25519 private key (unencrypted) as
// user's fieldwork key: the key file gets its seed.
func FromSSH(user, sshPath string) (*Key, error) {
	data, err := os.ReadFile(sshPath)
	if err != nil {
		return nil, err
	}
	raw, err := ssh.ParseRawPrivateKey(data)
	if err != nil {
		var pp *ssh.PassphraseMissingError
		if errors.As(err, &pp) {
			return nil, fmt.Errorf("%s is protected by a passphrase: fieldwork cannot use it; make a fieldwork key with 'fieldwork key init'", sshPath)
		}
		return nil, fmt.Errorf("%s: %w", sshPath, err)
	}
	var priv ed25519.PrivateKey
	switch k := raw.(type) {
	case *ed25519.PrivateKey:
		priv = *k
	case ed25519.PrivateKey:
		priv = k
	default:
		return nil, fmt.Errorf("%s is not an Ed25519 key (%T): fieldwork signs with Ed25519 only", sshPath, raw)
	}
	return store(user, priv.Seed())
}

func store(user string, seed []byte) (*Key, error) {
	p, err := Path(user)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return nil, err
	}
	body := fmt.Sprintf("fieldwork-key/1\nuser: %s\nseed: %s\n", user, base64.StdEncoding.EncodeToString(seed))
	// Written whole under a temporary name, then linked to the final name:
	// the link fails if a key is already there, so two processes making the
	// first key at once end with one key, never a half-written file.
	tmp, err := os.CreateTemp(filepath.Dir(p), ".key-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, err
	}
	if _, err := tmp.WriteString(body); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Link(tmp.Name(), p); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("%s already holds a key for %s: fieldwork never replaces a key", p, user)
		}
		return nil, err
	}
	return &Key{User: user, private: ed25519.NewKeyFromSeed(seed), Path: p}, nil
}

// LoadOrCreate reads user's key, making one when there is none; created
// says a key was made now (the caller tells the user once, with its path).
func LoadOrCreate(user string) (k *Key, created bool, err error) {
	k, err = Load(user)
	if err == nil || !errors.Is(err, ErrNoKey) {
		return k, false, err
	}
	k, err = Create(user)
	if err != nil {
		// Another process made it first: use that one.
		if k2, err2 := Load(user); err2 == nil {
			return k2, false, nil
		}
		return nil, false, err
	}
	return k, true, nil
}
