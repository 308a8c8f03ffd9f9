using BenchmarkDotNet.Running;

// Run: dotnet run -c Release --project tests/Serverless.Store.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Serverless.Store.Benchmarks.EngineBenchmarks).Assembly).Run(args);
