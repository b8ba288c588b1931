package model

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/fieldwork-audit/fieldwork/internal/signing"
)

// Signing the trail (issue #12). Every write transaction signs the entries
// its author wrote, as runs of consecutive entries: a run's signature covers
// its first and last entry's UUIDs, how many entries it has and the hash of
// its last entry, which chains every entry before it. So a signature pins
// all history up to it: nobody without the signer's private key can change,
// insert, reorder or remove anything before a signed entry without verify
// naming it. The signatures travel with the entries in a merge (the hash
// signed is the hash in the copy where the run was written).

// signRun is one run of consecutive entries by this transaction's author.
type signRun struct {
	first, last string
	n           int64
	hash        string
}

// own records that the entry just logged is this transaction's author's.
func (t *txn) own(uuid, hash string) {
	if !t.runOpen {
		t.runs = append(t.runs, signRun{first: uuid})
		t.runOpen = true
	}
	r := &t.runs[len(t.runs)-1]
	r.last, r.hash = uuid, hash
	r.n++
}

// signedMessage is what a run's signature signs.
func signedMessage(kind, user, first, last string, n int64, hash string) []byte {
	return []byte("fieldwork-trail-signature/1\n" + kind + "\n" + user + "\n" + first + "\n" + last + "\n" +
		strconv.FormatInt(n, 10) + "\n" + hash + "\n")
}

// sign signs this transaction's runs with the author's key, inside the
// transaction: an entry that cannot be signed is not written.
func (t *txn) sign() error {
	if len(t.runs) == 0 {
		return nil
	}
	k, err := t.w.signingKey()
	if err != nil {
		return err
	}
	kind := t.kind
	if kind == "" {
		kind = "op"
	}
	pub := k.Public().String()
	for _, r := range t.runs {
		sig := k.Sign(signedMessage(kind, t.w.user, r.first, r.last, r.n, r.hash))
		if _, err := t.exec(`INSERT INTO trail_signature (last_uuid, first_uuid, entries, signed_hash, user, public_key, signature, kind)
			VALUES (?,?,?,?,?,?,?,?)`, r.last, r.first, r.n, r.hash, t.w.user, pub, base64.StdEncoding.EncodeToString(sig), kind); err != nil {
			return err
		}
	}
	return nil
}

// ErrNoSigningKey is returned by a write whose author's key cannot be had.
var ErrNoSigningKey = errors.New("cannot sign the change")

// signingKey loads (or, the first time, makes) the key this handle signs
// with.
func (w *Workpaper) signingKey() (*signing.Key, error) {
	w.keyMu.Lock()
	defer w.keyMu.Unlock()
	if w.key != nil {
		return w.key, nil
	}
	get := w.signer
	if get == nil {
		get = signing.LoadOrCreate
	}
	k, created, err := get(w.user)
	if err != nil {
		return nil, fmt.Errorf("%w as %s: %w; nothing was saved", ErrNoSigningKey, w.user, err)
	}
	if k.User != w.user {
		return nil, fmt.Errorf("%w as %s: the key is %s's; nothing was saved", ErrNoSigningKey, w.user, k.User)
	}
	if created && w.onKeyCreated != nil {
		w.onKeyCreated(k.Path)
	}
	w.key = k
	return k, nil
}

// SigningKey is the key this handle signs with, loading or making it.
func (w *Workpaper) SigningKey() (*signing.Key, error) { return w.signingKey() }

// DemoSigner signs as the demo engagement's fictional team: keys derived
// from a published seed, marked as demo keys wherever they show.
func DemoSigner(user string) (*signing.Key, bool, error) { return signing.DemoKey(user), false, nil }

// trailSignature is one row of trail_signature.
type trailSignature struct {
	last, first string
	entries     int64
	hash        string
	user        string
	publicKey   string
	signature   string
	kind        string
	used        bool
}

// SignatureCheck is what verify found about the signatures.
type SignatureCheck struct {
	Problems []string `json:"problems"` // tampering or a broken signature
	Notes    []Text   `json:"notes"`    // facts an inspector should know (demo keys, unregistered keys)
	Signed   int64    `json:"signed_entries"`
	Signers  []Signer `json:"signers"`
}

// Signer is one key that signed entries, and what the team says of it.
type Signer struct {
	User        string `json:"user"`
	PublicKey   string `json:"public_key"`
	Fingerprint string `json:"fingerprint"`
	Entries     int64  `json:"entries"`
	Standing    string `json:"standing"` // registered, demo, own-key-on-demo-team, unregistered, not-on-team, wrong-key
}

// verifySignatures walks the trail in order and checks that every entry
// is covered by exactly one valid signature of its author, and what the
// team's records say of each key.
func (w *Workpaper) verifySignatures(ctx context.Context) (*SignatureCheck, error) {
	sc := &SignatureCheck{Problems: []string{}, Notes: []Text{}, Signers: []Signer{}}
	byFirst := map[string][]*trailSignature{}
	var all []*trailSignature
	rows, err := w.db.QueryContext(ctx, `SELECT last_uuid, first_uuid, entries, signed_hash, user, public_key, signature, kind FROM trail_signature`)
	if err != nil {
		return nil, friendlyDBError(err)
	}
	for rows.Next() {
		s := &trailSignature{}
		if err := rows.Scan(&s.last, &s.first, &s.entries, &s.hash, &s.user, &s.publicKey, &s.signature, &s.kind); err != nil {
			rows.Close()
			return nil, err
		}
		byFirst[s.first] = append(byFirst[s.first], s)
		all = append(all, s)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	team, err := w.teamKeys(ctx)
	if err != nil {
		return nil, err
	}

	type key struct{ user, pub string }
	signers := map[key]*Signer{}
	var order []key
	var active *trailSignature
	var left int64
	var unsignedFrom, unsignedTo int64
	var unsignedUsers []string
	flushUnsigned := func() {
		if unsignedFrom == 0 {
			return
		}
		what := fmt.Sprintf("entry %d", unsignedFrom)
		if unsignedTo > unsignedFrom {
			what = fmt.Sprintf("entries %d–%d", unsignedFrom, unsignedTo)
		}
		sc.Problems = append(sc.Problems, fmt.Sprintf("%s (by %s) carry no signature: written or altered outside fieldwork, or their signature was removed",
			what, strings.Join(unsignedUsers, ", ")))
		unsignedFrom, unsignedTo, unsignedUsers = 0, 0, nil
	}
	err = w.eachEntry(ctx, func(seq int64, uuid, user, hash, originHash string) error {
		if active == nil {
			cands := byFirst[uuid]
			if len(cands) == 0 {
				if unsignedFrom == 0 {
					unsignedFrom = seq
				}
				unsignedTo = seq
				if !containsString(unsignedUsers, user) {
					unsignedUsers = append(unsignedUsers, user)
				}
				return nil
			}
			flushUnsigned()
			active, left = cands[0], cands[0].entries
			if len(cands) > 1 {
				sc.Problems = append(sc.Problems, fmt.Sprintf("entry %d starts %d signatures; one was added outside fieldwork", seq, len(cands)))
			}
			active.used = true
		}
		if active.kind != "migration" && user != active.user {
			sc.Problems = append(sc.Problems, fmt.Sprintf("entry %d says it was written by %s but is inside a run signed by %s", seq, user, active.user))
		}
		left--
		if left > 0 {
			return nil
		}
		s := active
		active = nil
		home := hash
		if originHash != "" {
			home = originHash
		}
		if uuid != s.last || home != s.hash {
			sc.Problems = append(sc.Problems, fmt.Sprintf("entry %d: the signature by %s that ends here was made over other entries (the trail before it was changed)", seq, s.user))
			return nil
		}
		pub, perr := signing.ParsePublicKey(s.publicKey)
		sig, serr := base64.StdEncoding.DecodeString(s.signature)
		if perr != nil || serr != nil || !signing.Verify(pub, signedMessage(s.kind, s.user, s.first, s.last, s.entries, s.hash), sig) {
			sc.Problems = append(sc.Problems, fmt.Sprintf("entry %d: the signature by %s does not verify (bad signature or key)", seq, s.user))
			return nil
		}
		k := key{s.user, s.publicKey}
		sg := signers[k]
		if sg == nil {
			sg = &Signer{User: s.user, PublicKey: s.publicKey, Fingerprint: pub.Fingerprint()}
			signers[k] = sg
			order = append(order, k)
		}
		sg.Entries += s.entries
		sc.Signed += s.entries
		return nil
	})
	if err != nil {
		return nil, err
	}
	flushUnsigned()
	if active != nil {
		sc.Problems = append(sc.Problems, fmt.Sprintf("the trail ends inside a run signed by %s: its last %d entries are missing (the trail was cut)", active.user, left))
	}
	for _, s := range all {
		if !s.used {
			sc.Problems = append(sc.Problems, fmt.Sprintf("a signature by %s covers entries that are not in the trail (entry %s…): they were deleted", s.user, shortID(s.first)))
		}
	}

	// What the team's records say of each key.
	keysOf := map[string]int{}
	for _, k := range order {
		keysOf[k.user]++
	}
	for _, k := range order {
		sg := signers[k]
		pub, _ := signing.ParsePublicKey(sg.PublicKey)
		m, onTeam := team[UserKey(sg.User)]
		switch {
		case signing.IsDemoKey(sg.User, pub):
			sg.Standing = "demo"
		case onTeam && m.publicKey != "" && m.publicKey == sg.PublicKey:
			sg.Standing = "registered"
		case onTeam && isDemoKeyText(sg.User, m.publicKey):
			// The team records a demo key, which proves nothing: someone
			// trying the demo as this member signs with their own key.
			sg.Standing = "own-key-on-demo-team"
		case onTeam && m.publicKey != "":
			sg.Standing = "wrong-key"
			sc.Problems = append(sc.Problems, fmt.Sprintf("%d entries claim %s but are signed with key %s, not the key registered for %s on the team",
				sg.Entries, sg.User, sg.Fingerprint, m.name))
		case onTeam:
			sg.Standing = "unregistered"
		default:
			sg.Standing = "not-on-team"
		}
		if keysOf[sg.User] > 1 && (sg.Standing == "unregistered" || sg.Standing == "not-on-team") {
			sc.Problems = append(sc.Problems, fmt.Sprintf("%s signed with %d different keys; one of them (%s) is not theirs", sg.User, keysOf[sg.User], sg.Fingerprint))
		}
		sc.Signers = append(sc.Signers, *sg)
	}
	for _, sg := range sc.Signers {
		switch sg.Standing {
		case "demo":
			sc.Notes = append(sc.Notes, textf("%s signs with a demo key (%s), derived from a published seed: it proves nothing", sg.User, sg.Fingerprint))
		case "registered":
			if m := team[UserKey(sg.User)]; m.confirmedBy == "" {
				sc.Notes = append(sc.Notes, textf("%s registered their key %s themselves; no manager or partner has confirmed it%s", sg.User, sg.Fingerprint, HintConfirmKey))
			} else if c, ok := team[UserKey(m.confirmedBy)]; !ok || (Role(c.role) != RoleManager && Role(c.role) != RolePartner) {
				sc.Notes = append(sc.Notes, textf("%s's key %s was confirmed by %s, who is not a manager or partner on the team now", sg.User, sg.Fingerprint, m.confirmedBy))
			}
		case "unregistered":
			sc.Notes = append(sc.Notes, textf("%s signs with key %s, which is not registered on the team%s", sg.User, sg.Fingerprint, HintJoinTeam))
		case "own-key-on-demo-team":
			sc.Notes = append(sc.Notes, textf("%s signs with their own key %s; the team records a demo key for them", sg.User, sg.Fingerprint))
		case "not-on-team":
			sc.Notes = append(sc.Notes, textf("%s is not on the team and signs with their own key %s", sg.User, sg.Fingerprint))
		}
	}
	return sc, nil
}

// eachEntry streams the trail's sequence, UUID, author and hashes in order.
func (w *Workpaper) eachEntry(ctx context.Context, fn func(seq int64, uuid, user, hash, originHash string) error) error {
	after := int64(0)
	for {
		rows, err := w.db.QueryContext(ctx, `SELECT seq, uuid, user, hash, origin_hash FROM change_log WHERE seq > ? ORDER BY seq LIMIT 20000`, after)
		if err != nil {
			return friendlyDBError(err)
		}
		type ent struct {
			seq                     int64
			uuid, user, hash, ohash string
		}
		var page []ent
		for rows.Next() {
			var e ent
			if err := rows.Scan(&e.seq, &e.uuid, &e.user, &e.hash, &e.ohash); err != nil {
				rows.Close()
				return err
			}
			page = append(page, e)
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		for _, e := range page {
			if err := fn(e.seq, e.uuid, e.user, e.hash, e.ohash); err != nil {
				return err
			}
			after = e.seq
		}
		if len(page) < 20000 {
			return nil
		}
	}
}

type teamKey struct{ name, role, publicKey, confirmedBy string }

// teamKeys maps each team member's fieldwork user name to their key.
func (w *Workpaper) teamKeys(ctx context.Context) (map[string]teamKey, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT name, role, user, public_key, key_confirmed_by FROM team_member WHERE user != ''`)
	if err != nil {
		return nil, friendlyDBError(err)
	}
	out := map[string]teamKey{}
	for rows.Next() {
		var m teamKey
		var user string
		if err := rows.Scan(&m.name, &m.role, &user, &m.publicKey, &m.confirmedBy); err != nil {
			rows.Close()
			return nil, err
		}
		out[UserKey(user)] = m
	}
	return out, closeRows(rows)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func shortID(s string) string {
	if len(s) > 8 {
		return s[:8]
	}
	return s
}

func isDemoKeyText(user, pub string) bool {
	pk, err := signing.ParsePublicKey(pub)
	return err == nil && signing.IsDemoKey(user, pk)
}
