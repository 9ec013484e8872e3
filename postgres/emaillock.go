package postgres

import (
	"slices"

	"github.com/enrollhq/enroll"
)

// emailLock is the first key of an email's lock in an instance, an
// advisory lock whose second key is emailLockKey: a create holds it from
// its read of the instance (instanceForWrite), before its look-ups and
// its check of the email (insertEnrollmentRow), to its commit, an
// import chunk those of all its rows' emails (lockEmails), and an update
// that gives an open enrollment an email that one (HoldEmail), so that of
// two creates, or a create, an import row or an update, of one email the
// second sees the first's enrollment. A collision of the hashes only
// makes two writes take turns.
const emailLock int32 = 0x656d6169 // "emai"

// referencesLock is the first key of an instance's references lock, an
// advisory lock whose second key is hashtext(instance id), taken by an
// import chunk that has rows with a referenceId, before its email locks,
// until it commits. An import skips a row whose referenceId an open
// enrollment holds; two chunks with one referenceId under different
// emails took no lock in common, each missed the other's uncommitted
// rows, and both enrolled it (TestImportReferenceRace). One lock for the
// instance rather than one a referenceId: an import chunk already holds a
// lock a row's email in PostgreSQL's shared lock table (The lock table,
// docs/postgres.md), and such chunks of one instance then take turns, as
// they mostly do on the emails they share. Single creates take none: the
// API allows shared referenceIds.
const referencesLock int32 = 0x72656673 // "refs"

// emailLockKey is the SQL of the second key of the email lock (emailLock)
// of email in instance, each given as SQL (a placeholder, a column): the
// one definition of the key, so that creates and imports lock an email
// alike.
func emailLockKey(instance, email string) string {
	return `hashtext(` + instance + ` || ' ' || ` + email + `)`
}

// lockEmail takes the email lock of $3, normalized, in instance $2; the
// others that of the email of lead or customer $4 of workspace $3, if it
// has one, probing its primary key (fenced, so that the planner does not
// take the partial index of the emails instead: TestImportLookupPlan). A
// create of one participant takes one of these (emailLocks): lockEmails,
// planned anew at every run, would cost it about 0.3 ms more.
var (
	lockEmail     = `SELECT pg_advisory_xact_lock($1, ` + emailLockKey("$2", "$3") + `)`
	lockLeadEmail = `SELECT pg_advisory_xact_lock($1, ` + emailLockKey("$2", "p.email_norm") + `)
		FROM (SELECT email_norm FROM leads WHERE workspace_id = $3 AND id = $4 OFFSET 0) p WHERE p.email_norm <> ''`
	lockCustomerEmail = `SELECT pg_advisory_xact_lock($1, ` + emailLockKey("$2", "p.email_norm") + `)
		FROM (SELECT email_norm FROM customers WHERE workspace_id = $3 AND id = $4 OFFSET 0) p WHERE p.email_norm <> ''`
)

// lockEmails takes, in one statement, the email locks in instance $2 of
// workspace $3 of every email that a batch of creates may enroll: the
// requests' own ($4, normalized), and those of the leads ($5), customers
// ($6) and earlier enrollments ($7) that they name by id, with an
// enrollment's customer's, or that of the customer its lead has become
// (emailLocks). The keys are deduplicated and locked in key order: the
// lock calls are evaluated above the sort (PostgreSQL computes a volatile
// function of the output after the ORDER BY; TestEmailLockOrder), so two
// batches lock the keys they share in one order and cannot deadlock on
// them. Each id probes its table's primary key, in a subquery of its own
// (LIMIT 1) so that, without statistics, no join reads the workspace's
// rows instead (TestImportLookupPlan).
var lockEmails = `SELECT pg_advisory_xact_lock($1, k) FROM (SELECT DISTINCT ` + emailLockKey("$2", "u.email") + ` AS k FROM (
		SELECT k.email FROM unnest($4::text[]) AS k(email)
		UNION ALL SELECT l.email_norm FROM unnest($5::text[]) AS kl(id)
			JOIN LATERAL (SELECT email_norm FROM leads WHERE workspace_id = $3 AND id = kl.id LIMIT 1) l ON true
		UNION ALL SELECT c.email_norm FROM unnest($6::text[]) AS kc(id)
			JOIN LATERAL (SELECT email_norm FROM customers WHERE workspace_id = $3 AND id = kc.id LIMIT 1) c ON true
		UNION ALL SELECT x.email FROM unnest($7::text[]) AS ke(id)
			JOIN LATERAL (SELECT email_norm, customer_id, lead_id FROM enrollments WHERE workspace_id = $3 AND id = ke.id LIMIT 1) e ON true
			CROSS JOIN LATERAL (VALUES (e.email_norm), ((SELECT email_norm FROM customers WHERE workspace_id = $3 AND id = COALESCE(e.customer_id,
				(SELECT customer_id FROM leads WHERE workspace_id = $3 AND id = e.lead_id LIMIT 1)) LIMIT 1))) AS x(email)) AS u(email)
	WHERE u.email <> '') AS s ORDER BY k`

// emailLocks returns the statement that takes the email locks in instance
// of workspace ws of creates ins, and its arguments, or "" when they name
// no email: the locks of the email each create's enrollment will have
// (enroll.CreateEnrollmentIn), or of the few it may have when that
// depends on stored data. A create whose email changes meanwhile (a
// lead's, say) takes its lock later, in its insert, as every create does.
func emailLocks(ws, instance string, ins []*enroll.EnrollmentCreate) (string, []any) {
	var emails, leads, customers, enrollments []string
	for _, in := range ins {
		email := enroll.NormalizeEmail(in.Email)
		switch in.IdentificationType {
		case enroll.IdentifyByCustomerID:
			// The customer's email, whatever the request says.
			customers, email = append(customers, in.CustomerID), ""
		case enroll.IdentifyByLeadID:
			if email == "" {
				leads = append(leads, in.LeadID)
			}
		case enroll.IdentifyByEnrollmentID:
			// The customer's, if the participant is one by now; else the
			// request's or the enrollment's.
			enrollments = append(enrollments, in.EnrollmentID)
		}
		if email != "" {
			emails = append(emails, email)
		}
	}
	emails, leads = slices.DeleteFunc(emails, badText), slices.DeleteFunc(leads, badText)
	customers, enrollments = slices.DeleteFunc(customers, badText), slices.DeleteFunc(enrollments, badText)
	switch n := [4]int{len(emails), len(leads), len(customers), len(enrollments)}; n {
	case [4]int{}:
		return "", nil
	case [4]int{1, 0, 0, 0}:
		return lockEmail, []any{emailLock, instance, emails[0]}
	case [4]int{0, 1, 0, 0}:
		return lockLeadEmail, []any{emailLock, instance, ws, leads[0]}
	case [4]int{0, 0, 1, 0}:
		return lockCustomerEmail, []any{emailLock, instance, ws, customers[0]}
	}
	return lockEmails, []any{emailLock, instance, ws, emails, leads, customers, enrollments}
}
