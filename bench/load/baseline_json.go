package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
)

func init() {
	roles["bare-json"] = serveBareJSON
	baselineServers = append(baselineServers, baselineServer{
		role:   "bare-json",
		labels: map[string]string{opCreate: "bare JSON: decode + encode", opGet: "bare JSON: encode"},
		args: func(ph *phase, _ string) []string {
			return []string{"-template", ph.template}
		},
		once: true,
	})
}

// serveBareJSON is baseline (a): net/http that decodes the create request
// and encodes the enrollment, with no database at all.
func serveBareJSON(_ context.Context, args []string) (string, func() error, error) {
	fs := childFlags("bare-json")
	tpath := fs.String("template", "", "enrollment JSON to answer with")
	if err := fs.Parse(args); err != nil {
		return "", nil, err
	}
	t, err := loadTemplate(*tpath)
	if err != nil {
		return "", nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc(baseCreate, func(w http.ResponseWriter, r *http.Request) {
		in, err := decodeCreate(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		b, _ := json.Marshal(fromRequest(t, in))
		writeJSON(w, http.StatusCreated, b)
	})
	mux.HandleFunc(baseGet, func(w http.ResponseWriter, r *http.Request) {
		e := *t
		e.ID = r.PathValue("id")
		b, _ := json.Marshal(&e)
		writeJSON(w, http.StatusOK, b)
	})
	return serveMux(mux)
}

// serveMux serves h on a loopback port until the returned stop is called.
func serveMux(h http.Handler) (string, func() error, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() error { return srv.Shutdown(context.Background()) }, nil
}
