package model

// InputError refuses a change for want of something the caller must give
// (a reason, the attribute, the items …). Input says what, so that each
// front end words its own advice: the CLI names its flag, the workbench its
// field or key. The message itself gives none.
type InputError struct {
	Msg   string
	Input Input
	Err   error // what is refused, for errors.Is (e.g. ErrResultsExist), or nil
}

// Input names what an InputError wants.
type Input string

const (
	InputReason     Input = "reason"      // a written reason
	InputReplace    Input = "replace"     // the decision to replace, with a reason
	InputAttribute  Input = "attribute"   // which attribute
	InputItems      Input = "items"       // which sample items
	InputNoAttach   Input = "no-attach"   // to reference the file rather than attach it
	InputDateFormat Input = "date-format" // whether numeric dates are day-first or month-first
)

func (e *InputError) Error() string { return e.Msg }
func (e *InputError) Unwrap() error { return e.Err }
