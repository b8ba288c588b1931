// Package demo writes the bundled demo engagement (Harborview Payroll) through
// the model API, deterministically.
package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/fieldwork-audit/fieldwork/model"
	"github.com/fieldwork-audit/fieldwork/sampling"
)

// Clock is the fixed instant the demo engagement is written at, so that
// every run writes the same content.
var Clock = time.Date(2026, 10, 19, 9, 0, 0, 0, time.UTC)

// demoControl is a compact row of the demo control matrix.
type demoControl struct {
	id, desc, owner string
	freq            sampling.Frequency
	nature          model.Nature
	key             bool
	criteria        []string
}

// The demo is a fictional payroll SaaS company. Every in-scope criterion of
// Security, Availability and Confidentiality is covered by at least one control.
var demoControls = []demoControl{
	{"ENT-01", "The Code of Conduct is acknowledged by employees at hire and annually thereafter; acknowledgements are tracked in the HR system.", "VP People", sampling.Annual, model.NatureManual, true, []string{"CC1.1"}},
	{"ENT-02", "The Board of Directors meets at least quarterly and its Audit Committee, independent of management, oversees the security and compliance program.", "CEO", sampling.Quarterly, model.NatureManual, true, []string{"CC1.2"}},
	{"ENT-03", "An organizational chart defines reporting lines and is reviewed and updated by management at least annually.", "VP People", sampling.Annual, model.NatureManual, false, []string{"CC1.3"}},
	{"ENT-04", "Job descriptions define required skills; new hires complete security awareness training within 30 days and annually thereafter.", "Security Awareness Lead", sampling.AdHoc, model.NatureManual, true, []string{"CC1.4", "CC2.2"}},
	{"ENT-05", "Employees' performance, including adherence to security responsibilities, is evaluated annually by their managers.", "VP People", sampling.Annual, model.NatureManual, false, []string{"CC1.5"}},
	{"ENT-06", "Background checks are completed for new hires before system access is granted.", "Talent Acquisition", sampling.AdHoc, model.NatureManual, true, []string{"CC1.4"}},
	{"COM-01", "The security team maintains a data flow diagram and system inventory that are reviewed quarterly for accuracy.", "Security Engineering", sampling.Quarterly, model.NatureManual, false, []string{"CC2.1"}},
	{"COM-02", "Information security policies are published on the intranet and reviewed and approved by the CISO annually.", "CISO", sampling.Annual, model.NatureManual, true, []string{"CC2.2", "CC5.3"}},
	{"COM-03", "Customer commitments, system changes and security incidents are communicated to customers through the status page and release notes.", "Customer Success", sampling.AdHoc, model.NatureManual, false, []string{"CC2.3"}},
	{"COM-04", "A whistleblower hotline allows employees and third parties to report concerns anonymously; reports are reviewed by the Audit Committee.", "General Counsel", sampling.Quarterly, model.NatureManual, false, []string{"CC2.3", "CC1.1"}},
	{"RSK-01", "A formal risk assessment, including fraud risk and significant changes to the business, is performed annually and approved by management.", "CISO", sampling.Annual, model.NatureManual, true, []string{"CC3.1", "CC3.2", "CC3.3", "CC3.4"}},
	{"RSK-02", "Identified risks are tracked in a risk register with owners and treatment plans reviewed quarterly by the Security Steering Committee.", "CISO", sampling.Quarterly, model.NatureManual, false, []string{"CC3.2", "CC9.1"}},
	{"MON-01", "An internal audit of the control environment is performed annually and deficiencies are tracked to remediation.", "Internal Audit", sampling.Annual, model.NatureManual, true, []string{"CC4.1", "CC4.2"}},
	{"MON-02", "Control deficiencies are reported to senior management and the Audit Committee with remediation owners and due dates.", "Internal Audit", sampling.Quarterly, model.NatureManual, false, []string{"CC4.2"}},
	{"MON-03", "Control activities are selected and developed based on the risk assessment and documented in the control matrix.", "Compliance Manager", sampling.Annual, model.NatureManual, false, []string{"CC5.1", "CC5.2"}},
	{"LA-01", "Production systems require unique user IDs and multi-factor authentication enforced by the identity provider.", "IT Operations", sampling.Continuous, model.NatureAutomated, true, []string{"CC6.1"}},
	{"LA-02", "New user access is requested through a ticket and approved by the user's manager before it is provisioned.", "IT Operations", sampling.AdHoc, model.NatureManual, true, []string{"CC6.2"}},
	{"LA-03", "Access of terminated employees is revoked within one business day of termination.", "IT Operations", sampling.AdHoc, model.NatureManual, true, []string{"CC6.2", "CC6.3"}},
	{"LA-04", "User access to production systems and the payroll database is reviewed quarterly by system owners; inappropriate access is removed.", "Security Engineering", sampling.Quarterly, model.NatureManual, true, []string{"CC6.3"}},
	{"LA-05", "Privileged access to production is restricted to authorized engineers by role and granted just-in-time with approval.", "Security Engineering", sampling.AdHoc, model.NatureITDependent, true, []string{"CC6.1", "CC6.3"}},
	{"LA-06", "Customer data is encrypted at rest with AES-256 and keys are managed in a key management service with rotation.", "Security Engineering", sampling.Continuous, model.NatureAutomated, true, []string{"CC6.1", "CC6.7", "C1.1"}},
	{"LA-07", "Company laptops are encrypted and wiped through mobile device management before disposal or reassignment.", "IT Operations", sampling.AdHoc, model.NatureManual, false, []string{"CC6.5", "C1.2"}},
	{"PHY-01", "Physical access to the Harborview office and network closet is restricted by badge; badge access is reviewed quarterly.", "Facilities Manager", sampling.Quarterly, model.NatureManual, false, []string{"CC6.4"}},
	{"NET-01", "Firewalls and security groups restrict inbound traffic to approved ports; rule changes follow change management.", "Platform Engineering", sampling.Continuous, model.NatureAutomated, true, []string{"CC6.6"}},
	{"NET-02", "Data in transit over public networks is encrypted with TLS 1.2 or higher.", "Platform Engineering", sampling.Continuous, model.NatureAutomated, true, []string{"CC6.7"}},
	{"NET-03", "Endpoint protection software is installed on all laptops and servers, updated automatically, and alerts are monitored.", "IT Operations", sampling.Continuous, model.NatureAutomated, true, []string{"CC6.8"}},
	{"VUL-01", "Infrastructure and application vulnerability scans run weekly; critical findings are remediated within 15 days.", "Security Engineering", sampling.Weekly, model.NatureITDependent, true, []string{"CC7.1"}},
	{"VUL-02", "An independent penetration test is performed annually and findings are tracked to remediation.", "CISO", sampling.Annual, model.NatureManual, false, []string{"CC7.1", "CC4.1"}},
	{"VUL-03", "Configuration baselines are enforced by infrastructure as code and drift is alerted daily.", "Platform Engineering", sampling.Daily, model.NatureAutomated, false, []string{"CC7.1"}},
	{"OPS-01", "A security information and event management system aggregates logs and alerts the on-call engineer to anomalies.", "Security Operations", sampling.Continuous, model.NatureAutomated, true, []string{"CC7.2"}},
	{"OPS-02", "Security alerts are triaged daily and those meeting incident criteria are escalated under the incident response plan.", "Security Operations", sampling.Daily, model.NatureManual, true, []string{"CC7.2", "CC7.3"}},
	{"INC-01", "Security incidents are logged, classified, investigated, and resolved per the incident response plan, with root-cause analysis.", "Security Operations", sampling.AdHoc, model.NatureManual, true, []string{"CC7.3", "CC7.4"}},
	{"INC-02", "The incident response plan is tested annually through a tabletop exercise and updated for lessons learned.", "CISO", sampling.Annual, model.NatureManual, false, []string{"CC7.4", "CC7.5"}},
	{"INC-03", "Recovery from incidents follows documented runbooks; restorations are verified and communicated to affected customers.", "Platform Engineering", sampling.AdHoc, model.NatureManual, false, []string{"CC7.5"}},
	{"CHG-01", "Changes to production code are peer reviewed and approved in the pull request before they are merged and deployed.", "VP Engineering", sampling.MultipleDaily, model.NatureITDependent, true, []string{"CC8.1"}},
	{"CHG-02", "Changes pass automated tests in the CI pipeline before deployment; the pipeline blocks failed builds.", "VP Engineering", sampling.Continuous, model.NatureAutomated, true, []string{"CC8.1"}},
	{"CHG-03", "Emergency changes are approved by the on-call lead and retrospectively reviewed within two business days.", "VP Engineering", sampling.AdHoc, model.NatureManual, false, []string{"CC8.1"}},
	{"CHG-04", "Infrastructure changes are made through version-controlled templates with approval of a second engineer.", "Platform Engineering", sampling.AdHoc, model.NatureITDependent, true, []string{"CC8.1", "CC5.2"}},
	{"BCP-01", "A business continuity and disaster recovery plan is maintained, approved annually, and covers critical payroll processing.", "VP Operations", sampling.Annual, model.NatureManual, true, []string{"CC9.1", "A1.2"}},
	{"VEN-01", "New vendors with access to customer data undergo a security review before contract signature.", "Procurement", sampling.AdHoc, model.NatureManual, true, []string{"CC9.2"}},
	{"VEN-02", "SOC reports of critical vendors, including the cloud host, are obtained and reviewed annually, including CUECs.", "Compliance Manager", sampling.Annual, model.NatureManual, true, []string{"CC9.2"}},
	{"AV-01", "Capacity and performance of production are monitored with automated alerts and reviewed monthly for planning.", "Platform Engineering", sampling.Monthly, model.NatureITDependent, true, []string{"A1.1"}},
	{"AV-02", "Production databases are backed up daily to a separate region; backup failures alert the on-call engineer.", "Platform Engineering", sampling.Daily, model.NatureAutomated, true, []string{"A1.2"}},
	{"AV-03", "Restoration of backups is tested quarterly and the disaster recovery plan is tested annually with results documented.", "Platform Engineering", sampling.Quarterly, model.NatureManual, true, []string{"A1.3"}},
	{"CON-01", "Confidential customer data is identified and classified per the data classification policy, reviewed annually.", "Data Protection Officer", sampling.Annual, model.NatureManual, true, []string{"C1.1"}},
	{"CON-02", "Customer data is deleted within 90 days of contract termination upon request, with a certificate of deletion.", "Data Protection Officer", sampling.AdHoc, model.NatureManual, true, []string{"C1.2"}},
}

// Write writes the fictional demo engagement to a new workpaper at path.
// The same content is written on every run: the clock and UUIDs are fixed.
func Write(ctx context.Context, path string) error {
	clock := Clock
	w, err := model.Create(path, model.Options{
		User:    "maria.chen",
		Now:     func() time.Time { return clock },
		NewUUID: model.DeterministicUUIDs("fieldwork-demo/1"),
	})
	if err != nil {
		return err
	}
	defer w.Close()
	err = w.CreateEngagement(ctx, model.NewEngagement{
		Client:         "Harborview Payroll, Inc.",
		System:         "Harborview Cloud Payroll Platform",
		Type:           model.TypeII,
		From:           time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC),
		To:             time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC),
		Categories:     []model.Category{model.Security, model.Availability, model.Confidentiality},
		Firm:           "Calder & Finch LLP",
		PlanningDate:   time.Date(2026, 8, 3, 0, 0, 0, 0, time.UTC),
		FieldworkStart: time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC),
		FieldworkEnd:   time.Date(2026, 11, 13, 0, 0, 0, 0, time.UTC),
		ReportDue:      time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		return err
	}
	steps := []func() error{
		func() error {
			return w.AddTeamMember(ctx, model.TeamMember{Name: "Maria Chen", Role: model.RolePreparer, Email: "mchen@calderfinch.example"})
		},
		func() error {
			return w.AddTeamMember(ctx, model.TeamMember{Name: "Dev Patel", Role: model.RolePreparer, Email: "dpatel@calderfinch.example"})
		},
		func() error {
			return w.AddTeamMember(ctx, model.TeamMember{Name: "Olivia Brandt", Role: model.RoleReviewer, Email: "obrandt@calderfinch.example"})
		},
		func() error {
			return w.AddTeamMember(ctx, model.TeamMember{Name: "James Okafor", Role: model.RolePartner, Email: "jokafor@calderfinch.example"})
		},
		func() error {
			return w.AddSubserviceOrg(ctx, model.SubserviceOrg{Name: "Stratus Cloud Services", Method: model.CarveOut,
				Services: "Infrastructure hosting: data centers, physical security, environmental protection and hardware"})
		},
		func() error {
			return w.AddComplementaryControl(ctx, model.ComplementaryControl{Kind: model.CSOC, Ref: "CSOC-01", Subservice: "Stratus Cloud Services",
				Text: "Stratus Cloud Services restricts physical access to data centers housing Harborview systems to authorized personnel.", Criteria: []string{"CC6.4"}})
		},
		func() error {
			return w.AddComplementaryControl(ctx, model.ComplementaryControl{Kind: model.CSOC, Ref: "CSOC-02", Subservice: "Stratus Cloud Services",
				Text: "Stratus Cloud Services protects data centers against environmental threats (fire, flood, power loss) and maintains redundant power.", Criteria: []string{"A1.2"}})
		},
		func() error {
			return w.AddComplementaryControl(ctx, model.ComplementaryControl{Kind: model.CSOC, Ref: "CSOC-03", Subservice: "Stratus Cloud Services",
				Text: "Stratus Cloud Services securely destroys storage media before it leaves the data center.", Criteria: []string{"CC6.5", "C1.2"}})
		},
		func() error {
			return w.AddComplementaryControl(ctx, model.ComplementaryControl{Kind: model.CUEC, Ref: "CUEC-01",
				Text: "User entities are responsible for granting and removing their own users' access to the payroll platform.", Criteria: []string{"CC6.2", "CC6.3"}})
		},
		func() error {
			return w.AddComplementaryControl(ctx, model.ComplementaryControl{Kind: model.CUEC, Ref: "CUEC-02",
				Text: "User entities are responsible for reviewing payroll reports for accuracy and reporting discrepancies promptly.", Criteria: []string{"CC2.3"}})
		},
		func() error {
			return w.AddComplementaryControl(ctx, model.ComplementaryControl{Kind: model.CUEC, Ref: "CUEC-03",
				Text: "User entities are responsible for protecting the credentials of their administrators and enabling multi-factor authentication.", Criteria: []string{"CC6.1"}})
		},
	}
	for _, step := range steps {
		clock = clock.Add(time.Minute)
		if err := step(); err != nil {
			return fmt.Errorf("writing demo: %w", err)
		}
	}
	in := make([]model.ControlInput, len(demoControls))
	for i, c := range demoControls {
		in[i] = model.ControlInput{ID: c.id, Description: c.desc, Owner: c.owner, Frequency: c.freq, Nature: c.nature, Key: c.key, Criteria: c.criteria, Row: i + 2}
	}
	clock = clock.Add(time.Hour)
	if _, err := w.ImportControls(ctx, in, "harborview-control-matrix.xlsx"); err != nil {
		return fmt.Errorf("writing demo: %w", err)
	}
	rev, err := model.Open(path, model.Options{
		User:    "olivia.brandt",
		Now:     func() time.Time { return clock },
		NewUUID: model.DeterministicUUIDs("fieldwork-demo/1/reviewer"),
	})
	if err != nil {
		return err
	}
	defer rev.Close()
	if err := writeDemoFieldwork(ctx, w, rev, func() { clock = clock.Add(7 * time.Minute) }); err != nil {
		return fmt.Errorf("writing demo: %w", err)
	}
	return nil
}
