package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/fieldwork-audit/fieldwork/internal/signing"
	"github.com/fieldwork-audit/fieldwork/model"
)

// Keys and the provable trail (issue #12): each auditor's own signing key,
// the team's record of it, and verify's report.

// keyCreatedNotice tells the user, once, that their first write made a key.
func keyCreatedNotice(e *env) func(path string) {
	return func(path string) {
		fmt.Fprintf(e.stderr, "fieldwork: made your signing key at %s (every change you make is signed with it; 'fieldwork key show' prints the public key for your manager)\n", clean(path))
	}
}

func runKeyInit(e *env, args []string) error {
	c := commands["key init"]
	fs := flags(c)
	fromSSH := fs.String("from-ssh", "", "an existing unencrypted OpenSSH Ed25519 private key to use")
	userFlag := fs.String("user", "", "whose key (default $FIELDWORK_USER, then the OS user)")
	pos, err := parse(e, c, fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, ""); err != nil {
		return err
	}
	user := resolveUser(e, *userFlag)
	var k *signing.Key
	if *fromSSH != "" {
		k, err = signing.FromSSH(user, *fromSSH)
	} else {
		k, err = signing.Create(user)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "signing key for %s written to %s (mode 0600; it never goes into a workpaper)\n", clean(user), clean(k.Path))
	fmt.Fprintf(e.stdout, "public key: %s\nfingerprint: %s\n", k.Public(), k.Public().Fingerprint())
	return nil
}

func runKeyShow(e *env, args []string) error {
	c := commands["key show"]
	fs := flags(c)
	userFlag := fs.String("user", "", "whose key (default $FIELDWORK_USER, then the OS user)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(e, c, fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, ""); err != nil {
		return err
	}
	user := resolveUser(e, *userFlag)
	k, err := signing.Load(user)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e.stdout, map[string]string{"user": user, "public_key": k.Public().String(), "fingerprint": k.Public().Fingerprint(), "path": k.Path})
	}
	fmt.Fprintf(e.stdout, "%s\n", k.Public())
	fmt.Fprintf(e.stderr, "%s's key, fingerprint %s, in %s\n", clean(user), k.Public().Fingerprint(), clean(k.Path))
	return nil
}

func runTeamJoin(e *env, args []string) error {
	c := commands["team join"]
	fs := flags(c)
	name := fs.String("name", "", "your name, when you are not on the team yet")
	role := fs.String("role", "", "your role, when you are not on the team yet")
	userFlag := fs.String("user", "", "your user name (default $FIELDWORK_USER, then the OS user)")
	pos, err := parse(e, c, fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "FILE"); err != nil {
		return err
	}
	w, err := openWorkpaper(e, pos[0], *userFlag, false)
	if err != nil {
		return err
	}
	defer w.Close()
	m, err := w.JoinTeam(bg, *name, model.Role(*role))
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	pk, _ := signing.ParsePublicKey(m.PublicKey)
	fmt.Fprintf(e.stdout, "%s (%s, %s) is on the team with key %s\n", clean(m.Name), clean(m.User), m.Role, pk.Fingerprint())
	return nil
}

func runTeamKey(e *env, args []string) error {
	c := commands["team key"]
	fs := flags(c)
	login := fs.String("login", "", "the member's user name")
	key := fs.String("key", "", "their public key, as 'fieldwork key show' prints it")
	userFlag := fs.String("user", "", "name recorded on the change")
	pos, err := parse(e, c, fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "FILE"); err != nil {
		return err
	}
	if *login == "" || *key == "" {
		return usagef("--login and --key are required")
	}
	w, err := openWorkpaper(e, pos[0], *userFlag, false)
	if err != nil {
		return err
	}
	defer w.Close()
	if err := w.SetTeamKey(bg, *login, *key); err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	pk, _ := signing.ParsePublicKey(*key)
	fmt.Fprintf(e.stdout, "%s's key is now %s\n", clean(*login), pk.Fingerprint())
	return nil
}

func runUpgrade(e *env, args []string) error {
	c := commands["upgrade"]
	fs := flags(c)
	reason := fs.String("reason", "", "why the file is upgraded although its trail does not verify (recorded)")
	userFlag := fs.String("user", "", "name recorded on the change")
	pos, err := parse(e, c, fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 1, "FILE"); err != nil {
		return err
	}
	if strings.TrimSpace(*reason) == "" {
		return usagef("--reason is required: it is recorded in the trail")
	}
	w, err := model.Open(pos[0], model.Options{User: resolveUser(e, *userFlag), NoSession: true, MigrationReason: *reason, OnKeyCreated: keyCreatedNotice(e)})
	if err != nil {
		return err
	}
	defer w.Close()
	if b := w.MigrationBackup(); b != "" {
		fmt.Fprintf(e.stdout, "upgraded %s (the file as it was is in %s)\n", clean(pos[0]), clean(b))
	} else {
		fmt.Fprintf(e.stdout, "%s is already at schema %d: nothing to upgrade\n", clean(pos[0]), model.SchemaVersion)
	}
	return nil
}

// printVerify writes verify's report for people.
func printVerify(e *env, r *model.VerifyReport) {
	out := e.stdout
	fmt.Fprintf(out, "integrity check: %s\n", okOr(r.Integrity))
	fmt.Fprintf(out, "audit trail (%d entries): %s\n", r.Entries, okOr(r.Trail))
	fmt.Fprintf(out, "signatures (%d of %d entries signed): %s\n", r.Signatures.Signed, r.Entries, okOr(r.Signatures.Problems))
	for _, n := range r.Signatures.Notes {
		fmt.Fprintf(out, "  note: %s\n", clean(n.Words(cliWording)))
	}
	fmt.Fprintf(out, "records replayed from the trail (%d): %s\n", r.RecordsChecked, okOr(r.Records))
	fmt.Fprintf(out, "population rows and flags: %s\n", okOr(r.Populations))
	fmt.Fprintf(out, "sign-offs: %s\n", okOr(r.SignOffs))
	fmt.Fprintf(out, "release seal: %s\n", okOr(r.Seal))
	fmt.Fprintf(out, "attached evidence (%d): %s\n", r.BlobCount, okOr(r.Blobs))
	for _, s := range r.Selections {
		fmt.Fprintf(out, "selection %s: %s\n", s.ControlRef, okOr(s.Problems))
	}
	if r.Anchor != nil {
		if r.Anchor.Holds {
			fmt.Fprintf(out, "quoted head %d: holds (the file still holds that history)\n", r.Anchor.Head.Seq)
		} else {
			fmt.Fprintf(out, "quoted head %d: FAILED\n  %s\n", r.Anchor.Head.Seq, clean(r.Anchor.Problem))
		}
	}
	fmt.Fprintf(out, "trail head: %s\n", r.Head)
	fmt.Fprintln(out, "  quote it elsewhere (a ticket, the firm's archive); 'fieldwork verify FILE --head SEQ:HASH' proves this history is still there")
	fmt.Fprintln(out, "  not covered by replay: sessions, merge conflicts (a merge's worklist), W/P refs used; see docs/integrity.md")
}

var errVerifyFailed = errors.New("verification failed: see the report above")
