package main

import (
	"fmt"
	"strings"

	"github.com/fieldwork-audit/fieldwork/model"
)

func runNoteAdd(e *env, args []string) error {
	w := newWPCmd("note add", false)
	ctl := w.fs.String("control", "", "control ID")
	exc := w.fs.String("exception", "", "exception reference")
	eng := w.fs.Bool("engagement", false, "a note on the engagement as a whole")
	text := w.fs.String("text", "", "the note")
	assignee := w.fs.String("assignee", "", "who must clear it")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	kind, target := "", ""
	switch {
	case *ctl != "" && *exc == "" && !*eng:
		kind, target = "control", *ctl
	case *exc != "" && *ctl == "" && !*eng:
		kind, target = "exception", *exc
	case *eng && *ctl == "" && *exc == "":
		kind = "engagement"
	default:
		return usagef("put the note on one of --control ID, --exception REF or --engagement")
	}
	ref, err := wp.AddNote(bg, kind, target, *text, *assignee)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "opened review note %s\n", ref)
	return nil
}

func runNoteRespond(e *env, args []string) error {
	w := newWPCmd("note respond", false)
	ref := w.fs.String("ref", "", "review note reference")
	text := w.fs.String("text", "", "the response")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	return wp.RespondNote(bg, *ref, *text)
}

func runNoteClear(e *env, args []string) error {
	w := newWPCmd("note clear", false)
	ref := w.fs.String("ref", "", "review note reference")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	return wp.ClearNote(bg, *ref)
}

func runNoteList(e *env, args []string) error {
	w := newWPCmd("note list", false)
	state := w.fs.String("state", "", "open, responded or cleared")
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	notes, err := wp.Notes(bg, model.NoteState(*state))
	if err != nil {
		return err
	}
	if *w.json {
		out := []map[string]any{}
		for _, n := range notes {
			out = append(out, map[string]any{"ref": n.Ref, "on": n.TargetKind, "target": n.TargetRef, "text": n.Text, "assignee": n.Assignee,
				"state": n.State, "response": n.Response, "responded_by": n.RespondedBy, "cleared_by": n.ClearedBy, "created_by": n.CreatedBy, "created_at": n.CreatedAt})
		}
		return printJSON(e.stdout, out)
	}
	for _, n := range notes {
		fmt.Fprintf(e.stdout, "%s  %-9s %-10s %-8s %s\n", n.Ref, n.State, n.TargetKind, clean(n.TargetRef), clean(n.Text))
	}
	return nil
}

func runPBCAdd(e *env, args []string) error {
	w := newWPCmd("pbc add", false)
	item := w.fs.String("item", "", "what the client must provide")
	ctl := w.fs.String("control", "", "control it supports")
	var req, due dateFlag
	w.fs.Var(&req, "requested", "date requested")
	w.fs.Var(&due, "due", "date due")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	ref, err := wp.AddPBC(bg, model.PBCRequest{Item: *item, ControlRef: *ctl, RequestedOn: date(req), DueOn: date(due)})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "added request %s\n", ref)
	return nil
}

func runPBCUpdate(e *env, args []string) error {
	w := newWPCmd("pbc update", false)
	ref := w.fs.String("ref", "", "request reference")
	status := w.fs.String("status", "", "requested, received, accepted or rejected")
	file := w.fs.String("file", "", "the file received (hashed, name recorded)")
	note := w.fs.String("note", "", "note")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	return wp.UpdatePBC(bg, *ref, model.PBCStatus(*status), *file, *note)
}

func runPBCList(e *env, args []string) error {
	w := newWPCmd("pbc list", false)
	outstanding := w.fs.Bool("outstanding", false, "only items the client still owes")
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	reqs, err := wp.PBCRequests(bg)
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, p := range reqs {
		if *outstanding && !p.Outstanding() {
			continue
		}
		if *w.json {
			out = append(out, map[string]any{"ref": p.Ref, "item": p.Item, "control": p.ControlRef, "requested": fmtDate(p.RequestedOn),
				"due": fmtDate(p.DueOn), "status": p.Status, "received_name": p.ReceivedName, "received_sha256": p.ReceivedSHA256, "note": p.Note})
			continue
		}
		fmt.Fprintf(e.stdout, "%s  %-9s due %-10s %-8s %s\n", p.Ref, p.Status, orDash(fmtDate(p.DueOn)), p.ControlRef, clean(p.Item))
	}
	if *w.json {
		return printJSON(e.stdout, out)
	}
	return nil
}

func runInterviewAdd(e *env, args []string) error {
	w := newWPCmd("interview add", false)
	person := w.fs.String("person", "", "who was interviewed")
	role := w.fs.String("role", "", "their role")
	var on dateFlag
	w.fs.Var(&on, "date", "date held")
	summary := w.fs.String("summary", "", "summary")
	ctls := w.fs.String("controls", "", "controls it supports, comma-separated")
	by := w.fs.String("by", "", "interviewer (default: the user)")
	wp, err := w.open(e, args, false)
	if err != nil {
		return err
	}
	defer wp.Close()
	return wp.AddInterview(bg, model.Interview{Person: *person, Role: *role, HeldOn: date(on), HeldBy: *by, Summary: *summary, Controls: splitComma(*ctls)})
}

func runInterviewList(e *env, args []string) error {
	w := newWPCmd("interview list", false)
	wp, err := w.open(e, args, true)
	if err != nil {
		return err
	}
	defer wp.Close()
	ivs, err := wp.Interviews(bg)
	if err != nil {
		return err
	}
	if *w.json {
		out := []map[string]any{}
		for _, iv := range ivs {
			out = append(out, map[string]any{"person": iv.Person, "role": iv.Role, "date": fmtDate(iv.HeldOn), "by": iv.HeldBy, "summary": iv.Summary, "controls": nonNil(iv.Controls)})
		}
		return printJSON(e.stdout, out)
	}
	for _, iv := range ivs {
		fmt.Fprintf(e.stdout, "%s  %s (%s) by %s: %s [%s]\n", fmtDate(iv.HeldOn), clean(iv.Person), clean(iv.Role), clean(iv.HeldBy), clean(iv.Summary), strings.Join(iv.Controls, ", "))
	}
	return nil
}
