package draw

// WorkerCommand runs the test binary as a worker process, for the tests of
// package draw_test.
var WorkerCommand = workerCommand
