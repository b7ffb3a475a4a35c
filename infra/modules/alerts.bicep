// Alert when the app reports open device alerts (custom metric "OpenDeviceAlerts", tracked
// by the alerts timer into Application Insights customMetrics). A scheduled query rule is
// used rather than a metric alert: it needs no custom-metric dimensions preview setting.
param name string
param location string
param tags object = {}
param applicationInsightsId string
param metricName string = 'OpenDeviceAlerts'
@description('Fire when the largest value in the window is above this.')
param threshold int = 0
@allowed([0, 1, 2, 3, 4])
param severity int = 2
param evaluationFrequency string = 'PT1H'
param windowSize string = 'PT6H'
@description('Optional e-mail address for an action group; empty = alert without notification.')
param notificationEmail string = ''

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(notificationEmail)) {
  name: '${name}-ag'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'resetready'
    enabled: true
    emailReceivers: [
      {
        name: 'admin'
        emailAddress: notificationEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

resource openDeviceAlerts 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: name
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'ResetReady: open device alerts'
    description: 'Devices or users stuck on destructive-only PIN reset beyond the configured number of days.'
    enabled: true
    severity: severity
    scopes: [applicationInsightsId]
    evaluationFrequency: evaluationFrequency
    windowSize: windowSize
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: 'customMetrics | where name == "${metricName}" | summarize OpenDeviceAlerts = max(valueMax) by bin(timestamp, 1h)'
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'OpenDeviceAlerts'
          operator: 'GreaterThan'
          threshold: threshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: empty(notificationEmail) ? [] : [actionGroup.id]
    }
  }
}

output alertRuleId string = openDeviceAlerts.id
