import Clustering
import OmnisegCore
import Workspace
import WorkspaceJobs

/// The cluster job where the workspace is: it stores every person's cluster.
extension ClusterJob: WorkspaceJob {
    /// Every person's cluster into `cluster_assignment` (feature row r is person `people.id(ofRow: r)`),
    /// replacing what an earlier attempt of the same job wrote.
    public func store(result: [UInt8], jobID: String, people given: PersonRows?, in workspace: Workspace) throws(OmnisegError) {
        let labels = try ClusterResult(decoding: result).labels
        let people = given ?? .dense(count: labels.count)
        try people.check("cluster job \(jobID)", covers: labels.count)
        try workspace.db.transaction { () throws(OmnisegError) in
            try workspace.db.run("DELETE FROM cluster_assignment WHERE job_id = ?", [.text(jobID)])
            let insert = try workspace.db.prepare("INSERT INTO cluster_assignment (job_id, person_id, cluster) VALUES (?, ?, ?)")
            for (row, label) in labels.enumerated() {
                try insert.bind([.text(jobID), .integer(people.id(ofRow: row)), .integer(Int64(label))])
                try insert.runAndReset()
            }
        }
    }
}
