module github.com/samspill/samspill/tools/benchtable

go 1.26.0

require github.com/samspill/samspill/pkg v0.0.0

require gonum.org/v1/gonum v0.17.0 // indirect

replace github.com/samspill/samspill/pkg => ../../pkg

replace github.com/samspill/samspill/schemas => ../../schemas
