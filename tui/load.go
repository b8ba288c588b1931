package tui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/fieldwork-audit/fieldwork/model"
)

// loadTimeout bounds one load; SQLite's busy timeout is shorter.
const loadTimeout = 30 * time.Second

// readCmd runs read as a command under loadTimeout. read captures values
// only (the handle, the request ID) and answers with its typed message.
func readCmd(ctx context.Context, read func(ctx context.Context) tea.Msg) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, loadTimeout)
		defer cancel()
		return read(ctx)
	}
}

// workpaperLoadedMsg carries the engagement, criteria and controls, read
// together so that the screens agree with each other.
type workpaperLoadedMsg struct {
	id             int64
	path, user     string
	readOnly       bool
	readOnlyReason string
	eng            *model.Engagement
	criteria       []model.Criterion
	controls       []model.Control
	err            error
}

// loadWorkpaper reads the workpaper overview. It captures values only: the
// handle, a context and the request ID.
func loadWorkpaper(ctx context.Context, wp *model.Workpaper, id int64) tea.Cmd {
	return readCmd(ctx, func(ctx context.Context) tea.Msg {
		msg := workpaperLoadedMsg{id: id, path: wp.Path(), user: wp.User()}
		msg.readOnly, msg.readOnlyReason = wp.ReadOnly()
		if msg.eng, msg.err = wp.Engagement(ctx); msg.err != nil {
			return msg
		}
		if msg.criteria, msg.err = wp.Criteria(ctx); msg.err != nil {
			return msg
		}
		msg.controls, msg.err = wp.Controls(ctx)
		return msg
	})
}

// snapshot is the workpaper overview as last loaded: immutable once built,
// so screens share it.
type snapshot struct {
	path           string
	user           string
	readOnly       bool
	readOnlyReason string

	eng      *model.Engagement
	criteria []model.Criterion
	controls []model.Control

	criterionIdx map[string]int
	controlIdx   map[string]int
	coverage     []categoryCoverage
	gaps         []int // indexes into criteria
	inScope      int
	covered      int
}

// categoryCoverage is one category's line of the coverage summary.
type categoryCoverage struct {
	cat     model.Category
	inScope bool
	total   int
	covered int
	gaps    int
}

func newSnapshot(msg workpaperLoadedMsg) *snapshot {
	eng, criteria, controls := msg.eng, msg.criteria, msg.controls
	d := &snapshot{
		path:           msg.path,
		user:           msg.user,
		readOnly:       msg.readOnly,
		readOnlyReason: msg.readOnlyReason,
		eng:            eng,
		criteria:       criteria,
		controls:       controls,
		criterionIdx:   make(map[string]int, len(criteria)),
		controlIdx:     make(map[string]int, len(controls)),
	}
	for i, c := range controls {
		d.controlIdx[c.Ref] = i
	}
	byCat := map[model.Category]*categoryCoverage{}
	for _, cat := range model.Categories {
		d.coverage = append(d.coverage, categoryCoverage{cat: cat, inScope: eng.InScope(cat)})
	}
	for i := range d.coverage {
		byCat[d.coverage[i].cat] = &d.coverage[i]
	}
	for i, c := range criteria {
		d.criterionIdx[c.Ref] = i
		cc := byCat[c.Category]
		if cc == nil {
			continue
		}
		cc.total++
		if c.InScope {
			d.inScope++
			if len(c.Controls) > 0 {
				cc.covered++
				d.covered++
			}
		}
		if c.Gap {
			cc.gaps++
			d.gaps = append(d.gaps, i)
		}
	}
	return d
}

// criterion finds a criterion by ID.
func (d *snapshot) criterion(ref string) (model.Criterion, bool) {
	if d == nil {
		return model.Criterion{}, false
	}
	i, ok := d.criterionIdx[ref]
	if !ok {
		return model.Criterion{}, false
	}
	return d.criteria[i], true
}

// control finds a control by its reference.
func (d *snapshot) control(ref string) (model.Control, bool) {
	if d == nil {
		return model.Control{}, false
	}
	i, ok := d.controlIdx[ref]
	if !ok {
		return model.Control{}, false
	}
	return d.controls[i], true
}

// controlState is one read of a control's test, its current population and
// sample, and its evaluation: what the workpaper and the sampling wizard
// start from.
type controlState struct {
	test *model.ControlTest
	pop  *model.Population
	sel  *model.Selection
	eval *model.TestEvaluation
}

// readControlState reads a control's state, in a command (values only).
func readControlState(ctx context.Context, wp *model.Workpaper, ref string) (st controlState, err error) {
	if st.test, err = wp.ControlTest(ctx, ref); err != nil {
		return st, err
	}
	if st.pop, err = wp.CurrentPopulation(ctx, ref); err != nil {
		return st, err
	}
	if st.sel, err = wp.Selection(ctx, ref); err != nil {
		return st, err
	}
	st.eval, err = wp.Evaluate(ctx, ref)
	return st, err
}
