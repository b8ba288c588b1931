package model

import "context"

// CriteriaConclusionsOf is CriteriaConclusions for a caller that has
// already evaluated every control (evals by control reference): the
// export evaluates each control once and reuses the result here instead of
// evaluating them all again. A control missing from evals is evaluated.
func (w *Workpaper) CriteriaConclusionsOf(ctx context.Context, evals map[string]*TestEvaluation) ([]CriterionConclusion, error) {
	crit, err := w.Criteria(ctx)
	if err != nil {
		return nil, err
	}
	all := make(map[string]*TestEvaluation, len(evals))
	for _, c := range crit {
		for _, ref := range c.Controls {
			if all[ref] != nil {
				continue
			}
			if ev := evals[ref]; ev != nil {
				all[ref] = ev
				continue
			}
			ev, err := w.Evaluate(ctx, ref)
			if err != nil {
				return nil, err
			}
			all[ref] = ev
		}
	}
	overrides := map[string][2]string{}
	rows, err := w.db.QueryContext(ctx, "SELECT ref, override, override_reason FROM criterion WHERE override != ''")
	if err != nil {
		return nil, friendlyDBError(err)
	}
	for rows.Next() {
		var r, o, why string
		if err := rows.Scan(&r, &o, &why); err != nil {
			rows.Close()
			return nil, err
		}
		overrides[r] = [2]string{o, why}
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	out := make([]CriterionConclusion, 0, len(crit))
	for _, c := range crit {
		cc := CriterionConclusion{Ref: c.Ref, Category: c.Category, Title: c.Title, InScope: c.InScope, Controls: c.Controls}
		cc.Derived, cc.Reason = deriveCriterion(c, all)
		cc.Status = cc.Derived
		if o, ok := overrides[c.Ref]; ok && c.InScope {
			cc.Override, cc.OverrideReason = o[0], o[1]
			cc.Status = CriterionStatus(o[0])
		}
		out = append(out, cc)
	}
	return out, nil
}
