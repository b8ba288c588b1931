package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/sampling"
)

// demoPeople are the client's staff who appear in the demo populations.
var demoPeople = []string{"Ava Thompson", "Ben Ortiz", "Chloe Nguyen", "Daniel Kim", "Elena Rossi", "Farid Haddad", "Grace Liu", "Hiro Tanaka"}

// demoPopulations writes the demo's population files into dir,
// deterministically, and returns their paths by control.
func demoPopulations(dir string) (map[string]string, error) {
	rng := rand.New(rand.NewPCG(2026, 10))
	start := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	day := func(i, n int) time.Time { return start.AddDate(0, 0, i*365/n) }
	files := map[string]string{}
	write := func(control, name string, lines []string) error {
		p := filepath.Join(dir, name)
		files[control] = p
		return os.WriteFile(p, []byte(strings.Join(lines, "\r\n")+"\r\n"), 0o644)
	}

	// CHG-01: production changes (pull requests merged and deployed).
	lines := []string{"Change ID,Merged On,Title,Author,Approver,Approved At,Deployed At"}
	for i := 0; i < 1180; i++ {
		d := day(i, 1180)
		author := demoPeople[rng.IntN(len(demoPeople))]
		approver := demoPeople[(rng.IntN(len(demoPeople)-1)+1+indexOf(demoPeople, author))%len(demoPeople)]
		lines = append(lines, fmt.Sprintf("PR-%05d,%s,\"%s\",%s,%s,%s 10:%02d,%s 14:%02d", 21000+i, d.Format(model.DateLayout),
			[]string{"Payroll tax table update", "Fix rounding in net pay", "Upgrade TLS library", "Add audit log field", "Refactor pay stub PDF", "Bump dependency versions"}[rng.IntN(6)],
			author, approver, d.Format(model.DateLayout), rng.IntN(60), d.Format(model.DateLayout), rng.IntN(60)))
	}
	if err := write("CHG-01", "github-merged-prs-fy26.csv", lines); err != nil {
		return nil, err
	}

	// LA-02: new user access requests, with one duplicate and one row
	// outside the period, as clients' extracts often have.
	lines = []string{"Request #,Requested,User,System,Approved By,Provisioned"}
	for i := 0; i < 180; i++ {
		d := day(i, 180)
		lines = append(lines, fmt.Sprintf("ACC-%04d,%s,user%03d@harborview.example,%s,%s,%s", 3100+i, d.Format("1/2/2006"), i,
			[]string{"Payroll DB", "AWS Console", "Okta", "GitHub"}[rng.IntN(4)], demoPeople[rng.IntN(4)], d.AddDate(0, 0, 1).Format("1/2/2006")))
	}
	lines = append(lines, "ACC-3150,3/20/2026,user050@harborview.example,Okta,Ava Thompson,3/21/2026")
	lines = append(lines, "ACC-3281,10/3/2026,user181@harborview.example,GitHub,Ben Ortiz,10/4/2026")
	if err := write("LA-02", "okta-access-requests.csv", lines); err != nil {
		return nil, err
	}

	// LA-03: terminations and the date access was revoked.
	lines = []string{"Employee ID,Termination Date,Department,Access Revoked"}
	for i := 0; i < 64; i++ {
		d := day(i, 64)
		lines = append(lines, fmt.Sprintf("E%05d,%s,%s,%s", 40000+i*7, d.Format(model.DateLayout),
			[]string{"Engineering", "Sales", "Support", "Finance"}[rng.IntN(4)], d.Format(model.DateLayout)))
	}
	if err := write("LA-03", "workday-terminations.csv", lines); err != nil {
		return nil, err
	}

	// AV-02: daily backup job results.
	lines = []string{"Job Date,Job,Status,Size GB"}
	for i := 0; i < 365; i++ {
		lines = append(lines, fmt.Sprintf("%s,payroll-db-nightly,Succeeded,%d", start.AddDate(0, 0, i).Format(model.DateLayout), 410+rng.IntN(40)))
	}
	if err := write("AV-02", "backup-job-history.csv", lines); err != nil {
		return nil, err
	}
	return files, nil
}

func indexOf(xs []string, s string) int {
	for i, x := range xs {
		if x == s {
			return i
		}
	}
	return 0
}

// writeDemoFieldwork adds the demo's populations, samples, results,
// exceptions, review notes, requests and interviews. preparer and reviewer
// are handles on the same file as two team members.
func writeDemoFieldwork(ctx context.Context, prep, rev *model.Workpaper, tick func()) error {
	dir, err := os.MkdirTemp("", "fieldwork-demo-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	files, err := demoPopulations(dir)
	if err != nil {
		return err
	}
	type step func() error
	var steps []step
	add := func(s ...step) { steps = append(steps, s...) }
	seed := func(s uint64) *uint64 { return &s }

	// CHG-01: statistical, 90% / 10%: 22 items, two approvals after deployment.
	add(
		func() error {
			return prep.SetDesign(ctx, "CHG-01", 0, model.DesignInput{
				Procedure:  "Inquired of the VP Engineering and inspected the branch protection settings requiring one approving review before merge, and the emergency deploy path.",
				Result:     "Branch protection requires an approving review from someone other than the author before merge, but the emergency deploy path lets any engineer deploy before the review is recorded.",
				Conclusion: "not-suitably-designed"})
		},
		func() error {
			return prep.AddProcedure(ctx, "CHG-01", model.Inspection, "For each sampled change, inspected the pull request for an approval by someone other than the author recorded before deployment.")
		},
		func() error {
			_, err := prep.AddAttribute(ctx, "CHG-01", "A", "Change approved before deployment")
			return err
		},
		func() error {
			_, err := prep.AddAttribute(ctx, "CHG-01", "B", "Approver is not the author")
			return err
		},
		func() error {
			_, err := prep.ImportPopulation(ctx, model.PopulationImport{ControlRef: "CHG-01", Path: files["CHG-01"], IDColumn: "Change ID", DateColumn: "Merged On"})
			return err
		},
		func() error {
			return prep.SetIPE(ctx, "CHG-01", "Reconciled the count of merged pull requests to the GitHub audit log for the period and agreed five deployments from the deployment log to the list.",
				"Complete and accurate: counts agreed (1,180) and all five traced.")
		},
		func() error {
			_, err := prep.SetPlan(ctx, "CHG-01", model.PlanInput{Kind: model.PlanStatistical, Confidence: 90 * sampling.OnePercent, Tolerable: 10 * sampling.OnePercent, Model: sampling.Binomial})
			return err
		},
		func() error {
			_, err := prep.DrawSample(ctx, model.DrawInput{ControlRef: "CHG-01", Method: sampling.Random, Seed: seed(482913)})
			return err
		},
	)
	// LA-03: frequency-based (ad hoc, 64 terminations → 15), one late revocation.
	add(
		func() error {
			return prep.SetDesign(ctx, "LA-03", 0, model.DesignInput{
				Procedure:  "Inquired of the IT Operations Manager and inspected the Workday-to-Okta deprovisioning integration and its alerting.",
				Result:     "Terminations entered in Workday deprovision the user in Okta at the end of the termination day; failures alert IT Operations.",
				Conclusion: "suitably-designed"})
		},
		func() error {
			return prep.AddProcedure(ctx, "LA-03", model.Inspection, "For each sampled termination, inspected the identity provider's deprovisioning log and compared the revocation date with the termination date.")
		},
		func() error {
			_, err := prep.AddAttribute(ctx, "LA-03", "A", "Access revoked within one business day of termination")
			return err
		},
		func() error {
			_, err := prep.ImportPopulation(ctx, model.PopulationImport{ControlRef: "LA-03", Path: files["LA-03"], IDColumn: "Employee ID", DateColumn: "Termination Date"})
			return err
		},
		func() error {
			return prep.SetIPE(ctx, "LA-03", "Agreed the count of terminations to the Workday headcount report for the period and traced three terminations from HR tickets to the list.",
				"Complete and accurate: 64 terminations agreed and all three traced.")
		},
		func() error {
			_, err := prep.SetPlan(ctx, "LA-03", model.PlanInput{Kind: model.PlanFrequency})
			return err
		},
		func() error {
			_, err := prep.DrawSample(ctx, model.DrawInput{ControlRef: "LA-03", Method: sampling.Systematic, Seed: seed(771)})
			return err
		},
	)
	// LA-02: partly tested; the population has a duplicate and a late row.
	add(
		func() error {
			_, err := prep.AddAttribute(ctx, "LA-02", "A", "Access request approved by the user's manager before provisioning")
			return err
		},
		func() error {
			_, err := prep.ImportPopulation(ctx, model.PopulationImport{ControlRef: "LA-02", Path: files["LA-02"], IDColumn: "Request #", DateColumn: "Requested"})
			return err
		},
		func() error {
			_, err := prep.DrawSample(ctx, model.DrawInput{ControlRef: "LA-02", Seed: seed(90210)})
			return err
		},
	)
	// AV-02: drawn, not yet tested.
	add(
		func() error {
			_, err := prep.ImportPopulation(ctx, model.PopulationImport{ControlRef: "AV-02", Path: files["AV-02"], IDColumn: "Job Date", DateColumn: "Job Date"})
			return err
		},
		func() error {
			_, err := prep.DrawSample(ctx, model.DrawInput{ControlRef: "AV-02", Seed: seed(365)})
			return err
		},
	)
	for _, s := range steps {
		tick()
		if err := s(); err != nil {
			return err
		}
	}

	// Results.
	record := func(ref string, upTo int, deviate map[int]string, attrs ...string) error {
		sel, err := prep.Selection(ctx, ref)
		if err != nil {
			return err
		}
		for i, it := range sel.Items {
			if i >= upTo {
				break
			}
			for _, a := range attrs {
				tick()
				in := model.ResultInput{ControlRef: ref, Position: it.Position, Attribute: a, Outcome: model.Pass, Tickmark: "✓",
					Evidence: fmt.Sprintf("evidence/%s/item-%03d.pdf", strings.ToLower(ref), it.Position)}
				if note, ok := deviate[i]; ok && a == attrs[0] {
					in.Outcome, in.Tickmark, in.Note = model.Deviation, "X", note
				}
				if err := prep.SetResult(ctx, in); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := record("CHG-01", 22, map[int]string{3: "Approved 2 hours after deployment", 11: "Approved the day after deployment"}, "A", "B"); err != nil {
		return err
	}
	if err := record("LA-03", 15, map[int]string{6: "Okta access removed 3 business days after termination"}, "A"); err != nil {
		return err
	}
	if err := record("LA-02", 8, nil, "A"); err != nil {
		return err
	}

	chg, _ := prep.Selection(ctx, "CHG-01")
	la3, _ := prep.Selection(ctx, "LA-03")
	more := []step{
		func() error {
			_, err := prep.AddException(ctx, model.ExceptionInput{ControlRef: "CHG-01", Positions: []int{chg.Items[3].Position, chg.Items[11].Position},
				Description:      "For 2 of 22 sampled changes, the pull request was approved after the change was deployed to production.",
				Cause:            "Engineers used the emergency deploy path for routine changes; the pipeline does not block deployment pending approval on that path.",
				Response:         "Management has restricted the emergency deploy path to the on-call lead and added a pipeline check that blocks deployment without an approval (effective 2026-10-15).",
				Evaluation:       "systemic",
				CriteriaAffected: []string{"CC8.1"},
				ReportWording:    "Exception noted: for 2 of 22 sampled changes, approval was recorded after deployment.",
				RemediationPlan:  "Pipeline gate requiring approval before deploy; monthly review of emergency deploys.",
				RemediationOwner: "VP Engineering", RemediationDue: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)})
			return err
		},
		func() error {
			return prep.SetConclusion(ctx, "CHG-01", model.NotEffective, "Upper deviation limit exceeds the 10% tolerable rate; the emergency deploy path, open to every engineer, lets changes deploy before approval: a design gap (see the test of design), systemic. CHG-02 and CHG-04 do not compensate for approval of code changes.", 0)
		},
		func() error {
			_, err := prep.AddException(ctx, model.ExceptionInput{ControlRef: "LA-03", Positions: []int{la3.Items[6].Position},
				Description: "For 1 of 15 sampled terminations, access to the identity provider was removed three business days after the termination date.",
				Cause:       "The termination was entered in the HR system late because the employee's manager was on leave.",
				Response:    "HR now sends a daily termination report to IT Operations in addition to the automated feed.",
				Evaluation:  "isolated",
				// Mitigating evidence, not a compensating control.
				Compensating:     "The user's access logs showed no activity after the termination date.",
				CriteriaAffected: []string{"CC6.2", "CC6.3"},
				ReportWording:    "Exception noted: for 1 of 15 sampled terminations, access was revoked three business days after termination."})
			return err
		},
		func() error {
			return prep.SetConclusion(ctx, "LA-03", model.EffectiveWithExceptions, "Isolated deviation with a one-off cause; no activity after termination.", 0)
		},
		func() error { return prep.SignOffAs(ctx, "LA-03", model.RolePreparer) },
		func() error { return rev.SignOffAs(ctx, "LA-03", model.RoleReviewer) },
		func() error { return prep.SignOffAs(ctx, "CHG-01", model.RolePreparer) },
		func() error { return rev.SignOffAs(ctx, "CHG-01", model.RoleReviewer) },
		// A later change to LA-03 invalidates both sign-offs.
		func() error {
			// Deliberately: the review is reopened, and the reviewer sees what changed.
			return prep.SetConclusion(model.Reopen(ctx), "LA-03", model.EffectiveWithExceptions, "Isolated deviation with a one-off cause (manager on leave); the user's access logs showed no activity after termination.", 0)
		},
		func() error {
			_, err := rev.AddNote(ctx, "control", "LA-02", "Population has a duplicate request number (ACC-3150) and one request after the period end: explain both before testing further.", "Maria Chen")
			return err
		},
		func() error {
			_, err := rev.AddNote(ctx, "exception", "EX-01", "Confirm with management whether any emergency deploys outside the sample lacked approval.", "Maria Chen")
			return err
		},
		func() error {
			return prep.RespondNote(ctx, "RN-002", "Obtained the full emergency deploy log: 9 of the 41 emergency deploys in the period lacked prior approval, including the 2 of 22 sampled changes in EX-01; consistent with EX-01's cause and its systemic evaluation.")
		},
		func() error {
			_, err := rev.AddNote(ctx, "engagement", "", "Agree the CSOC list to Stratus Cloud Services' SOC 2 report before the draft goes out.", "Dev Patel")
			return err
		},
		func() error {
			return prep.RespondNote(ctx, "RN-003", "Agreed to section 4 of the Stratus SOC 2 report (period ended 2026-06-30).")
		},
		func() error { return rev.ClearNote(ctx, "RN-003") },
	}
	for _, p := range []model.PBCRequest{
		{Item: "List of all production changes merged in the period (GitHub export)", ControlRef: "CHG-01", RequestedOn: time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC), DueOn: time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC)},
		{Item: "Terminated employees in the period with termination dates (Workday report)", ControlRef: "LA-03", RequestedOn: time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC), DueOn: time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC)},
		{Item: "Quarterly user access review evidence for Q1–Q4", ControlRef: "LA-04", RequestedOn: time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC), DueOn: time.Date(2026, 10, 9, 0, 0, 0, 0, time.UTC)},
		{Item: "Disaster recovery test report", ControlRef: "AV-03", RequestedOn: time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC), DueOn: time.Date(2026, 10, 9, 0, 0, 0, 0, time.UTC)},
		{Item: "Board and Audit Committee minutes for the period", ControlRef: "ENT-02", RequestedOn: time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC), DueOn: time.Date(2026, 10, 16, 0, 0, 0, 0, time.UTC)},
	} {
		p := p
		more = append(more, func() error { _, err := prep.AddPBC(ctx, p); return err })
	}
	more = append(more,
		func() error { return prep.UpdatePBC(ctx, "PBC-001", model.PBCAccepted, files["CHG-01"], "") },
		func() error { return prep.UpdatePBC(ctx, "PBC-002", model.PBCAccepted, files["LA-03"], "") },
		func() error {
			return prep.UpdatePBC(ctx, "PBC-003", model.PBCRejected, "", "Q3 review evidence is a screenshot without date or reviewer; re-requested.")
		},
		func() error {
			return prep.AddInterview(ctx, model.Interview{Person: "Sam Alvarez", Role: "VP Engineering", HeldOn: time.Date(2026, 10, 6, 0, 0, 0, 0, time.UTC),
				Summary: "Walked through the pull request workflow, branch protection and the emergency deploy path; emergency deploys need the on-call lead's approval.", Controls: []string{"CHG-01", "CHG-03"}})
		},
		func() error {
			return prep.AddInterview(ctx, model.Interview{Person: "Priya Raman", Role: "IT Operations Manager", HeldOn: time.Date(2026, 10, 7, 0, 0, 0, 0, time.UTC),
				Summary: "Described onboarding and offboarding: Workday feeds Okta; terminations deprovision automatically at the end of the termination day.", Controls: []string{"LA-02", "LA-03"}})
		},
	)
	for _, s := range more {
		tick()
		if err := s(); err != nil {
			return err
		}
	}
	return nil
}
