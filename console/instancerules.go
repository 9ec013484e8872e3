package console

import (
	"cmp"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/enrollhq/enroll"
)

// blankRuleRows is how many empty rows the rules form offers for new
// rules; saving fills them, and shows as many empty ones again.
const blankRuleRows = 3

// rulesForm is the form of an instance's eligibility rules: one row per
// rule, then blank rows for new ones.
type rulesForm struct {
	Rows []ruleRow
	// Problem sums up a refusal above the form.
	Problem string
	// Test is the result of the Test button, nil when not tested.
	Test *enroll.CurrentEligibility
	// Sample and Customer are the sample enrollment and its customer as
	// typed, JSON objects as POST .../eligibility:test takes them.
	Sample, Customer string
	// SampleErrors are messages by field: sample, customer.
	SampleErrors map[string]string
	// Tried is the sample's evaluation by Try sample, nil when not tried.
	Tried *enroll.Evaluation
}

// ruleRow is a rule's row of the form, with what was typed.
type ruleRow struct {
	Name, Expression, Reason string
	// Remove is set when the row's Remove box is ticked: it is left out
	// of the rules tested and saved.
	Remove bool
	// Errors are messages by field: name, expression, reason.
	Errors map[string]string
	// Count is the row's rule's test result, nil when not tested.
	Count *enroll.RuleCount
}

// blank reports whether nothing was typed in the row.
func (row ruleRow) blank() bool {
	return strings.TrimSpace(row.Name) == "" && strings.TrimSpace(row.Expression) == "" && strings.TrimSpace(row.Reason) == ""
}

// newRulesForm returns the rules form showing rules, and blank rows.
func newRulesForm(rules []enroll.Rule) rulesForm {
	f := rulesForm{SampleErrors: map[string]string{}}
	for _, r := range rules {
		f.Rows = append(f.Rows, ruleRow{Name: r.Name, Expression: r.Expression, Reason: r.Reason, Errors: map[string]string{}})
	}
	f.addBlankRows()
	return f
}

// addBlankRows adds the empty rows for new rules.
func (f *rulesForm) addBlankRows() {
	for range blankRuleRows {
		f.Rows = append(f.Rows, ruleRow{Errors: map[string]string{}})
	}
}

// readRulesForm reads the form's rows, in order, leaving blank ones out,
// and the rules they make: the rows not marked for removal. at maps each
// rule's index to its row's. ok is false when the form's lists do not
// line up (a forged form).
func readRulesForm(r *http.Request) (f rulesForm, rules []enroll.Rule, at []int, ok bool) {
	names, exprs, reasons := r.PostForm["name"], r.PostForm["expression"], r.PostForm["reason"]
	if len(exprs) != len(names) || len(reasons) != len(names) {
		return f, nil, nil, false
	}
	f.Sample, f.Customer, f.SampleErrors = r.PostFormValue("sample"), r.PostFormValue("customer"), map[string]string{}
	remove := map[string]bool{}
	for _, i := range r.PostForm["remove"] {
		remove[i] = true
	}
	for i := range names {
		// Textareas send CRLF line ends: the rule as stored has LF, and
		// must read as unchanged (the same rules version) when it is.
		row := ruleRow{Name: names[i], Expression: strings.ReplaceAll(exprs[i], "\r\n", "\n"), Reason: reasons[i],
			Remove: remove[strconv.Itoa(i)], Errors: map[string]string{}}
		if row.blank() {
			continue
		}
		if !row.Remove {
			rules = append(rules, enroll.Rule{Name: row.Name, Expression: row.Expression, Reason: row.Reason})
			at = append(at, len(f.Rows))
		}
		f.Rows = append(f.Rows, row)
	}
	return f, rules, at, true
}

// shown returns the form as it is shown again: what was typed, with bytes
// that are not UTF-8 replaced, and the blank rows.
func (f rulesForm) shown() rulesForm {
	for i, row := range f.Rows {
		f.Rows[i].Name, f.Rows[i].Expression, f.Rows[i].Reason = typed(row.Name), typed(row.Expression), typed(row.Reason)
	}
	f.Sample, f.Customer = typed(f.Sample), typed(f.Customer)
	f.addBlankRows()
	return f
}

// placeRuleError puts a field error about rule i
// ("body.eligibilityRules[i].expression") at its row's field, at mapping
// rules to rows; it reports false for an error about no rule.
func (f *rulesForm) placeRuleError(fe enroll.FieldError, at []int) bool {
	loc, _ := strings.CutPrefix(fe.Location, "body.")
	rest, ok := strings.CutPrefix(loc, "eligibilityRules[")
	if !ok {
		return false
	}
	num, field, ok := strings.Cut(rest, "].")
	i, err := strconv.Atoi(num)
	if !ok || err != nil || i < 0 || i >= len(at) || (field != "name" && field != "expression" && field != "reason") {
		return false
	}
	errs := f.Rows[at[i]].Errors
	errs[field] = strings.TrimSpace(errs[field] + " " + sentence(fe.Message))
	return true
}

// placeSampleError puts a field error about the sample ("enrollment",
// "enrollment.customerId") or its customer at its textarea; it reports
// false for an error about neither.
func (f *rulesForm) placeSampleError(fe enroll.FieldError) bool {
	loc, _ := strings.CutPrefix(fe.Location, "body.")
	field := ""
	switch {
	case loc == "enrollment" || strings.HasPrefix(loc, "enrollment.") || strings.HasPrefix(loc, "enrollment["):
		field = "sample"
	case loc == "customer" || strings.HasPrefix(loc, "customer.") || strings.HasPrefix(loc, "customer["):
		field = "customer"
	default:
		return false
	}
	f.SampleErrors[field] = strings.TrimSpace(f.SampleErrors[field] + " " + loc + ": " + sentence(fe.Message))
	return true
}

// readSample reads the sample's textareas: the enrollment, a JSON object,
// and its customer, a JSON object or empty for none (the API's null).
// What is wrong goes in f.SampleErrors.
func (f *rulesForm) readSample() (enrollment, customer map[string]any) {
	if strings.TrimSpace(f.Sample) == "" {
		f.SampleErrors["sample"] = `Type a sample enrollment to try, a JSON object such as {"firstName": "Ada", "address": {"state": "NY"}}.`
	} else if msg := readJSONField(f.Sample, &enrollment, "a JSON object", false); msg != "" {
		f.SampleErrors["sample"] = msg
	} else if enrollment == nil {
		f.SampleErrors["sample"] = "Must be a JSON object, not null."
	}
	if strings.TrimSpace(f.Customer) != "" {
		if msg := readJSONField(f.Customer, &customer, "a JSON object, or empty for the sample's own", false); msg != "" {
			f.SampleErrors["customer"] = msg
		}
	}
	return enrollment, customer
}

// saveRules tests (do=test), tries on a sample (do=sample) or saves
// (do=save) the rules of the form. A test runs the rules check and the
// evaluation of current enrollments of POST
// /v1/programInstances/{id}/eligibility:test with current: true, which
// needs enrollments:read as there, and a
// try the evaluation of its sample (enroll.EvaluateSample), on the rules
// as typed; neither saves anything. A save goes through UpdateInstance,
// which checks the rules again. Each shows compile errors at their
// rules' rows.
func (c *Console) saveRules(w http.ResponseWriter, r *http.Request, rq *request) {
	if !c.mayChangeInstance(w, r, rq, "change or test eligibility rules") {
		return
	}
	form, rules, at, ok := readRulesForm(r)
	do := r.PostFormValue("do")
	if !ok || (do != "test" && do != "sample" && do != "save") {
		c.renderError(w, r, rq, http.StatusBadRequest, "Bad request", "The form could not be read.")
		return
	}
	ctx := r.Context()
	id := r.PathValue("id")
	refuse := func(status int, err error, what string) {
		if err != nil {
			form.Problem = refusal(err, what, func(fe enroll.FieldError) bool {
				return form.placeRuleError(fe, at) || form.placeSampleError(fe)
			})
		}
		c.refuseInstance(w, r, rq, status, func(d *instanceData) { d.Rules = form.shown(); d.Conflict = status == http.StatusConflict })
	}
	if do == "test" || do == "sample" {
		in, err := c.findInstance(ctx, rq, id)
		if err != nil {
			c.storeError(w, r, rq, err)
			return
		}
		if do == "test" && !rq.has(enroll.ScopeEnrollmentsRead) {
			// As in the API: the counts tell what the enrollments and
			// their customers hold, a draft rule reading any member.
			c.forbidden(w, r, rq, enroll.ScopeEnrollmentsRead, "test rules on current enrollments")
			return
		}
		if err := in.DraftRules(c.engine, keepRuleLineBreaks(rules, in.EligibilityRules)); err != nil {
			if code := enroll.ErrorCode(err); code != enroll.EINVALID && code != enroll.EBADREQUEST {
				c.storeError(w, r, rq, err)
				return
			}
			refuse(http.StatusUnprocessableEntity, err, "The rules were not tested")
			return
		}
		if do == "sample" {
			c.trySample(w, r, rq, in, &form, refuse)
			return
		}
		deadline := time.Now().Add(cmp.Or(c.rulesTestTime, enroll.RulesTestTime))
		cur, err := enroll.EvaluateCurrent(ctx, c.store, c.engine, rq.ws(), in, enroll.DefaultEligibilityScan, deadline)
		if err != nil {
			c.storeError(w, r, rq, err)
			return
		}
		form.Test = cur
		for i := range cur.Rules {
			form.Rows[at[i]].Count = &cur.Rules[i]
		}
		refuse(http.StatusOK, nil, "")
		return
	}
	_, err := c.updateInstance(ctx, rq, id, r.PostFormValue("etag"), func(in *enroll.ProgramInstance) error {
		in.EligibilityRules = keepRuleLineBreaks(rules, in.EligibilityRules)
		return nil
	})
	switch code := enroll.ErrorCode(err); {
	case err == nil:
	case code == enroll.EPRECONDITION:
		refuse(http.StatusConflict, nil, "")
		return
	case code == enroll.EINVALID || code == enroll.EBADREQUEST:
		refuse(http.StatusUnprocessableEntity, err, "The rules were not saved")
		return
	default:
		c.storeError(w, r, rq, err)
		return
	}
	c.sessions.setFlash(ctx, rq.sess, "Eligibility rules saved.")
	http.Redirect(w, r, instancePath(id)+"#rules", http.StatusSeeOther)
}

// trySample evaluates in's draft rules on the form's sample, as the API's
// rules test does (enroll.EvaluateSample), and shows the page again with
// the evaluation and its trace, or with what is wrong with the sample at
// its textarea: a sample naming a stored customer needs enrollments:read
// too, as in the API (403).
func (c *Console) trySample(w http.ResponseWriter, r *http.Request, rq *request, in *enroll.ProgramInstance, form *rulesForm, refuse func(int, error, string)) {
	const what = "The sample was not tried"
	enrollment, customer := form.readSample()
	if len(form.SampleErrors) > 0 {
		form.Problem = what + ": correct the fields marked below."
		refuse(http.StatusUnprocessableEntity, nil, "")
		return
	}
	ev, err := enroll.EvaluateSample(r.Context(), c.store, c.engine, rq.key, in, enrollment, customer)
	switch code := enroll.ErrorCode(err); {
	case err == nil:
		form.Tried = ev
		refuse(http.StatusOK, nil, "")
	case code == enroll.EFORBIDDEN:
		form.SampleErrors["sample"] = enroll.ErrorMessage(err)
		form.Problem = what + ": " + enroll.ErrorMessage(err)
		refuse(http.StatusForbidden, nil, "")
	case code == enroll.EINVALID || code == enroll.EBADREQUEST:
		refuse(http.StatusUnprocessableEntity, err, what)
	default:
		c.storeError(w, r, rq, err)
	}
}
