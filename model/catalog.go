package model

import "strings"

// Category is a Trust Services Criteria category.
type Category string

const (
	Security            Category = "security"
	Availability        Category = "availability"
	Confidentiality     Category = "confidentiality"
	ProcessingIntegrity Category = "processing-integrity"
	Privacy             Category = "privacy"
)

// Categories in report order.
var Categories = []Category{Security, Availability, Confidentiality, ProcessingIntegrity, Privacy}

// Title is the category's name as a report prints it.
func (c Category) Title() string {
	switch c {
	case Security:
		return "Security (Common Criteria)"
	case Availability:
		return "Availability"
	case Confidentiality:
		return "Confidentiality"
	case ProcessingIntegrity:
		return "Processing Integrity"
	case Privacy:
		return "Privacy"
	}
	return string(c)
}

// ParseCategory accepts the canonical names and common short forms.
func ParseCategory(s string) (Category, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "security", "cc", "common", "common-criteria", "s":
		return Security, true
	case "availability", "a":
		return Availability, true
	case "confidentiality", "c":
		return Confidentiality, true
	case "processing-integrity", "processing integrity", "processingintegrity", "pi":
		return ProcessingIntegrity, true
	case "privacy", "p":
		return Privacy, true
	}
	return "", false
}

// CatalogEntry is one criterion as fieldwork ships it: the AICPA's ID and
// fieldwork's own short paraphrase (the AICPA text is licensed to firms,
// who load it with "criteria import").
type CatalogEntry struct {
	ID       string
	Category Category
	Title    string
}

// Catalog is the 61 Trust Services Criteria in report order.
var Catalog = []CatalogEntry{
	{"CC1.1", Security, "Integrity and ethical values"},
	{"CC1.2", Security, "Board independence and oversight"},
	{"CC1.3", Security, "Structures, reporting lines and authority"},
	{"CC1.4", Security, "Attract, develop and retain competent people"},
	{"CC1.5", Security, "Accountability for internal control"},
	{"CC2.1", Security, "Quality information to support controls"},
	{"CC2.2", Security, "Internal communication of objectives and responsibilities"},
	{"CC2.3", Security, "Communication with external parties"},
	{"CC3.1", Security, "Objectives clear enough to assess risk"},
	{"CC3.2", Security, "Identify and analyze risks"},
	{"CC3.3", Security, "Consider fraud risk"},
	{"CC3.4", Security, "Assess significant changes"},
	{"CC4.1", Security, "Ongoing and separate evaluations"},
	{"CC4.2", Security, "Evaluate and communicate deficiencies"},
	{"CC5.1", Security, "Control activities that mitigate risk"},
	{"CC5.2", Security, "General controls over technology"},
	{"CC5.3", Security, "Policies and procedures put controls in place"},
	{"CC6.1", Security, "Logical access security architecture"},
	{"CC6.2", Security, "User registration and authorization"},
	{"CC6.3", Security, "Role-based access, changes and removal, least privilege"},
	{"CC6.4", Security, "Physical access restrictions"},
	{"CC6.5", Security, "Protection ends only at secure disposal of assets"},
	{"CC6.6", Security, "Boundary protection against outside threats"},
	{"CC6.7", Security, "Restrict transmission and movement of data"},
	{"CC6.8", Security, "Prevent and detect malicious software"},
	{"CC7.1", Security, "Detect configuration changes and vulnerabilities"},
	{"CC7.2", Security, "Monitor components for anomalies"},
	{"CC7.3", Security, "Evaluate security events as incidents"},
	{"CC7.4", Security, "Respond to incidents"},
	{"CC7.5", Security, "Recover from incidents"},
	{"CC8.1", Security, "Change management"},
	{"CC9.1", Security, "Mitigate business disruption risk"},
	{"CC9.2", Security, "Vendor and business partner risk"},
	{"A1.1", Availability, "Capacity planning"},
	{"A1.2", Availability, "Environmental protection, backup and recovery infrastructure"},
	{"A1.3", Availability, "Recovery plan testing"},
	{"C1.1", Confidentiality, "Identify and protect confidential information"},
	{"C1.2", Confidentiality, "Dispose of confidential information"},
	{"PI1.1", ProcessingIntegrity, "Definitions and specifications of processing"},
	{"PI1.2", ProcessingIntegrity, "Input controls"},
	{"PI1.3", ProcessingIntegrity, "Processing controls"},
	{"PI1.4", ProcessingIntegrity, "Output controls"},
	{"PI1.5", ProcessingIntegrity, "Storage of inputs, work in process and outputs"},
	{"P1.1", Privacy, "Privacy notice"},
	{"P2.1", Privacy, "Choice and consent"},
	{"P3.1", Privacy, "Collection limited to objectives"},
	{"P3.2", Privacy, "Explicit consent where required"},
	{"P4.1", Privacy, "Use limited to purposes"},
	{"P4.2", Privacy, "Retention"},
	{"P4.3", Privacy, "Disposal"},
	{"P5.1", Privacy, "Data subject access"},
	{"P5.2", Privacy, "Correction requests"},
	{"P6.1", Privacy, "Disclosure to third parties with consent"},
	{"P6.2", Privacy, "Record of authorized disclosures"},
	{"P6.3", Privacy, "Record of unauthorized disclosures"},
	{"P6.4", Privacy, "Commitments from third parties"},
	{"P6.5", Privacy, "Third parties report unauthorized disclosures"},
	{"P6.6", Privacy, "Notify affected parties of breaches"},
	{"P6.7", Privacy, "Accounting of disclosures to data subjects"},
	{"P7.1", Privacy, "Quality of personal information"},
	{"P8.1", Privacy, "Monitoring, inquiries, complaints and disputes"},
}

var catalogIndex = func() map[string]int {
	m := make(map[string]int, len(Catalog))
	for i, c := range Catalog {
		m[c.ID] = i
	}
	return m
}()

// NormalizeCriterionID maps what clients write ("cc 6.1", "CC6.1.", "TSC CC6.1")
// to the catalog ID, reporting whether it is a known criterion.
func NormalizeCriterionID(s string) (string, bool) {
	k := strings.ToUpper(strings.TrimSpace(s))
	k = strings.TrimPrefix(k, "TSC")
	k = strings.Join(strings.Fields(k), "")
	k = strings.TrimRight(k, ".")
	if _, ok := catalogIndex[k]; ok {
		return k, true
	}
	return k, false
}

// CatalogOrder is the criterion's position in report order, or -1.
func CatalogOrder(id string) int {
	if i, ok := catalogIndex[id]; ok {
		return i
	}
	return -1
}
