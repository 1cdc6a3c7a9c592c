"""`make bench`: a data generator (bench.generate) and a runner (bench.run) measuring the API against its floors."""
