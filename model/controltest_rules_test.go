package model

import (
	"context"
	"errors"
	"testing"
)

// DeleteAttribute checks the version it was given in its own transaction:
// an attribute edited since it was read is not deleted.
func TestDeleteAttributeChecksVersion(t *testing.T) {
	ctx := context.Background()
	w, _ := newTestWorkpaper(t)
	withControl(t, w)
	if _, err := w.AddAttribute(ctx, "CHG-01", "A", "Approved before deployment"); err != nil {
		t.Fatal(err)
	}
	ct, _ := w.ControlTest(ctx, "CHG-01")
	read := ct.Attributes[0].Version
	if err := w.EditAttribute(ctx, "CHG-01", "A", "Approved by someone else", read); err != nil {
		t.Fatal(err)
	}
	var se *StaleError
	if err := w.DeleteAttribute(ctx, "CHG-01", "A", read); !errors.As(err, &se) || se.Requested != read || se.Current != read+1 {
		t.Fatalf("stale delete: %v", err)
	}
	if ct, _ := w.ControlTest(ctx, "CHG-01"); len(ct.Attributes) != 1 {
		t.Fatalf("the attribute went: %+v", ct.Attributes)
	}
	if err := w.DeleteAttribute(ctx, "CHG-01", "A", read+1); err != nil {
		t.Fatal(err)
	}
	if ct, _ := w.ControlTest(ctx, "CHG-01"); len(ct.Attributes) != 0 {
		t.Fatalf("not deleted: %+v", ct.Attributes)
	}
}
