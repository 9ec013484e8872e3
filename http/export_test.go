package http

import "time"

// SetUploadTimeouts shortens, before Open, an upload's idle timeout and
// the server's write timeout, so that a test of an upload that stalls
// need not wait a minute.
func (s *Server) SetUploadTimeouts(idle, write time.Duration) {
	s.writeTimeout = write
	s.imports.idle, s.imports.write = idle, write
}
