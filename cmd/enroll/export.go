package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/enrollhq/enroll"
	"github.com/enrollhq/enroll/client"
)

func (m *Main) exportCommand() *cobra.Command {
	var (
		r                remote
		instance, output string
		statuses         []string
		q                client.EnrollmentQuery
		createdAfter     string
	)
	cmd := &cobra.Command{
		Use:   "export [--instance ID] [--status STATUS]... > out.csv",
		Short: "Export enrollments as CSV (the columns an import takes)",
		Long: "Stream every enrollment of the program instance --instance (or of every instance the key sees) that matches the filters\n" +
			"from a running server (--url, --key or ENROLL_URL, ENROLL_KEY) to standard output, or to --output, as CSV. The file\n" +
			"imports as it is (enroll import), into this instance or another.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := r.client()
			if err != nil {
				return err
			}
			for _, s := range statuses {
				q.Statuses = append(q.Statuses, enroll.Status(s))
			}
			if createdAfter != "" {
				if q.CreatedAfter, err = time.Parse(time.RFC3339, createdAfter); err != nil {
					return fmt.Errorf("--created-after: %w", err)
				}
			}
			var w io.Writer = m.Stdout
			var tmp *os.File
			if output != "" && output != "-" {
				// Written beside the target and renamed at the end, so a
				// cut export never passes for a whole one.
				if tmp, err = os.CreateTemp(filepath.Dir(output), ".enroll-export-*"); err != nil {
					return err
				}
				defer os.Remove(tmp.Name())
				w = tmp
			}
			counter := enroll.NewRowCounter(enroll.FormatCSV)
			_, err = c.ExportEnrollments(cmd.Context(), instance, q, io.MultiWriter(w, counter))
			if tmp != nil {
				err = errors.Join(err, tmp.Close())
				if err == nil {
					err = os.Rename(tmp.Name(), output)
				}
			}
			if err != nil {
				return err
			}
			where := "standard output"
			if tmp != nil {
				where = output
			}
			fmt.Fprintf(m.Stderr, "Exported %d enrollments to %s.\n", counter.Rows(), where)
			return nil
		},
	}
	r.flags(cmd)
	f := cmd.Flags()
	f.StringVar(&instance, "instance", "", "the program instance to export (default: every instance the key sees)")
	f.StringSliceVar(&statuses, "status", nil, "keep enrollments in these statuses (repeatable, or comma-separated)")
	f.StringVar(&q.Tag, "tag", "", "keep enrollments with this tag")
	f.StringVar(&q.GroupID, "group", "", "keep enrollments in this group")
	f.StringVar(&q.Q, "q", "", "keep enrollments whose first name, last name, email or reference id starts with this")
	f.StringVar(&createdAfter, "created-after", "", "keep enrollments created after this RFC 3339 time")
	f.StringVar(&q.Sort, "sort", "", "-createdAt (default), createdAt, updatedAt, -updatedAt or lastName")
	f.StringVarP(&output, "output", "o", "", "write to this file instead of standard output")
	return cmd
}
