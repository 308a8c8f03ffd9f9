// A dev environment for `az deployment group create` (azd uses main.parameters.json instead).
// The tokens come from the shell's STORE_TOKEN and STORE_READONLY_TOKEN: secrets stay out of git.
using 'main.bicep'

param environmentName = 'dev'
param storeToken = readEnvironmentVariable('STORE_TOKEN')
param storeReadOnlyToken = readEnvironmentVariable('STORE_READONLY_TOKEN')
